/**
 * Host side of shaders/layer-norm.wgsl: LayerNorm (eps 1e-5) of N rows. Bindings: [x, weight, bias, y].
 */
import source from '../../../shaders/layer-norm.wgsl?raw';
import type { KernelDispatch } from '../kernel-runner.js';
import { resolveWgslForSubgroups } from '../wgsl.js';
import { checkCount, MAX_WORKGROUPS_PER_DIMENSION } from './grid.js';

const code = resolveWgslForSubgroups(source);

export interface LayerNormShape {
  channels: number;
  rows: number;
  /** Reduce with subgroupAdd (a device with the `subgroups` feature); default: the workgroup-memory tree. */
  subgroups?: boolean;
}

export function layerNormKernel(shape: LayerNormShape): KernelDispatch {
  checkCount('norm channels', shape.channels);
  checkCount('norm rows', shape.rows, MAX_WORKGROUPS_PER_DIMENSION);
  return {
    kernel: {
      label: `layer-norm${shape.subgroups ? ' subgroups' : ''}`,
      code: code(shape.subgroups ?? false),
      constants: { CHANNELS: shape.channels },
    },
    workgroups: [1, shape.rows, 1],
  };
}
