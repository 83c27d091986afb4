/**
 * Host side of shaders/norm-shift-mix.wgsl: a block's LayerNorm, token shift, state save and token-shift mixes in one
 * dispatch. Bindings: `mixes` [params, x, weight, bias, state, out, mix weights [mixes, C] (or, `separate`, the first
 * mix [C]), the second mix, the third] (the last two any buffer when not separate); `shift` [params, x, weight, bias,
 * state, out] (out planes 0 and 1: the normed rows and their previous rows).
 */
import source from '../../../shaders/norm-shift-mix.wgsl?raw';
import type { KernelDispatch } from '../kernel-runner.js';
import { resolveWgslForSubgroups } from '../wgsl.js';
import { checkCount, MAX_WORKGROUPS_PER_DIMENSION } from './grid.js';
import { MAX_SEQUENCES } from './step-params-uniform.js';

const code = resolveWgslForSubgroups(source);

/** Floats one output plane's start is aligned to (256 bytes, WebGPU's default storage offset alignment). */
export const PLANE_ALIGNMENT = 64;

/** Most mixes taken as separate buffers (bindings 6, 7, 8). */
export const MAX_SEPARATE = 3;

export interface NormShiftMixShape {
  channels: number;
  /** Tokens per sequence (T). */
  tokens: number;
  /** Sequences (B). */
  batch: number;
  /** Floats between output planes, a multiple of PLANE_ALIGNMENT. */
  planeStride: number;
  /** Mixes written (entry `mixes`); absent: entry `shift`. */
  mixes?: number;
  /** The mixes' weights are separate [C] buffers (at most 3), not one stacked [mixes, C]. */
  separate?: boolean;
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
  if (shape.mixes !== undefined)
    checkCount('norm-shift-mix mixes', shape.mixes, shape.separate ? MAX_SEPARATE : undefined);
  const entryPoint = shape.mixes === undefined ? 'shift' : 'mixes';
  return {
    kernel: {
      label: `norm-shift-mix ${entryPoint}${shape.subgroups ? ' subgroups' : ''}`,
      code: code(shape.subgroups ?? false),
      entryPoint,
      constants: {
        CHANNELS: shape.channels,
        PLANE_STRIDE: shape.planeStride,
        MIXES: shape.mixes ?? 1,
        SEPARATE: Number(shape.separate ?? false),
        LERP: Number(shape.lerp ?? false),
      },
    },
    workgroups: [shape.tokens, shape.batch, 1],
    partialReads: { 4: shape.batch * shape.channels * 4, ...unreadMixBindings(shape) },
  };
}

/** Mix bindings 7 and 8 that the dispatch does not read (stacked mixes; fewer than three separate ones): 0 bytes. */
function unreadMixBindings(shape: NormShiftMixShape): Record<number, number> {
  if (shape.mixes === undefined) return {};
  const read = shape.separate ? shape.mixes : 1;
  return Object.fromEntries([7, 8].filter((binding) => binding - 6 >= read).map((binding) => [binding, 0]));
}
