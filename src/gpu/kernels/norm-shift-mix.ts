/**
 * Host side of shaders/norm-shift-mix.wgsl: a block's LayerNorm, token shift, state save and token-shift mixes in one
 * dispatch. Bindings [params, x, weight, bias, state, out, mix weights [mixes, C]]; out's planes: the mixes, after
 * the normed rows and their previous rows when `normed`.
 */
import source from '../../../shaders/norm-shift-mix.wgsl?raw';
import type { KernelDispatch } from '../kernel-runner.js';
import { resolveWgslForSubgroups } from '../wgsl.js';
import { checkCount, MAX_WORKGROUPS_PER_DIMENSION } from './grid.js';
import { MAX_SEQUENCES } from './step-params-uniform.js';

const code = resolveWgslForSubgroups(source);

/** Floats one output plane's start is aligned to (256 bytes, WebGPU's default storage offset alignment). */
export const PLANE_ALIGNMENT = 64;

export interface NormShiftMixShape {
  channels: number;
  /** Tokens per sequence (T). */
  tokens: number;
  /** Sequences (B). */
  batch: number;
  /** Floats between output planes, a multiple of PLANE_ALIGNMENT. */
  planeStride: number;
  /** Mixes written. */
  mixes: number;
  /** Also write the normed rows and their previous rows, as planes 0 and 1 (the mixes follow). */
  normed?: boolean;
  /** The lerp form u·m + prev·(1 − m) (v4 / v5's time_mix_*) instead of u + (prev − u)·m. */
  lerp?: boolean;
  /** Reduce with subgroupAdd (a device with the `subgroups` feature); default: the workgroup-memory tree. */
  subgroups?: boolean;
}

export function normShiftMixKernel(shape: NormShiftMixShape): KernelDispatch {
  checkCount('norm-shift-mix channels', shape.channels);
  checkCount('norm-shift-mix tokens', shape.tokens, MAX_WORKGROUPS_PER_DIMENSION);
  checkCount('norm-shift-mix batch', shape.batch, MAX_SEQUENCES);
  checkCount('norm-shift-mix plane stride', shape.planeStride);
  if (shape.planeStride % PLANE_ALIGNMENT !== 0 || shape.planeStride < shape.tokens * shape.batch * shape.channels) {
    throw new RangeError(`plane stride ${shape.planeStride} is not an aligned stride over the step's rows`);
  }
  checkCount('norm-shift-mix mixes', shape.mixes);
  return {
    kernel: {
      label: `norm-shift-mix${shape.subgroups ? ' subgroups' : ''}`,
      code: code(shape.subgroups ?? false),
      constants: {
        CHANNELS: shape.channels,
        PLANE_STRIDE: shape.planeStride,
        MIXES: shape.mixes,
        LERP: Number(shape.lerp ?? false),
        NORMED: Number(shape.normed ?? false),
      },
    },
    workgroups: [shape.tokens, shape.batch, 1],
    partialReads: { 4: shape.batch * shape.channels * 4 },
  };
}
