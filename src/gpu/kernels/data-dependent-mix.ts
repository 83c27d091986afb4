/**
 * Host side of shaders/data-dependent-mix.wgsl: v6's five data-dependent token-shift mixes with the mix LoRA's second
 * half (W2, a stacked [mixes · C, D] matrix in any GPU weight format) folded in, over N rows. Bindings: [W2, normed
 * (the normed rows and their previous rows, two planes), the LoRA hidden h [N, mixes · D], the stacked mix vectors
 * [mixes, C], out (mixes planes)].
 */
import source from '../../../shaders/data-dependent-mix.wgsl?raw';
import type { KernelDispatch } from '../kernel-runner.js';
import { weightConstants, type WeightFormat } from '../matrix-layout.js';
import { resolveWgsl } from '../wgsl.js';
import { channelRowsDispatch, checkCount } from './grid.js';

const CODE = resolveWgsl(source);

export interface DataDependentMixShape {
  channels: number;
  rows: number;
  /** Mixes (v6: 5, w k v r g). */
  mixes: number;
  /** The LoRA's hidden width D per mix. */
  loraWidth: number;
  /** W2's GPU weight format. */
  format: WeightFormat;
  /** Floats between the planes of `normed` and of `out`, at least N · C. */
  planeStride: number;
}

export function dataDependentMixKernel(shape: DataDependentMixShape): KernelDispatch {
  checkCount('data-dependent mix mixes', shape.mixes);
  checkCount('data-dependent mix LoRA width', shape.loraWidth);
  if (shape.planeStride < shape.rows * shape.channels) {
    throw new RangeError(`data-dependent mix plane stride ${shape.planeStride} is shorter than the rows`);
  }
  return channelRowsDispatch(
    {
      label: 'data-dependent mix',
      code: CODE,
      constants: {
        MIXES: shape.mixes,
        LORA_WIDTH: shape.loraWidth,
        PLANE_STRIDE: shape.planeStride,
        ...weightConstants(shape.format, shape.mixes * shape.channels, shape.loraWidth),
      },
    },
    shape.channels,
    shape.rows,
  );
}
