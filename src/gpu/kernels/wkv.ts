/**
 * Host side of the WKV kernels (shaders/wkv4.wgsl, wkv5.wgsl for v5.1 / v5.2 / v6, wkv7.wgsl) over a batch of B
 * sessions of T tokens ([B, T, C] rows). They read T and each session's state offset from the Params uniform of
 * step-params-uniform.ts (`tokenParams`).
 */
import wkv4Source from '../../../shaders/wkv4.wgsl?raw';
import wkv5Source from '../../../shaders/wkv5.wgsl?raw';
import wkv7Source from '../../../shaders/wkv7.wgsl?raw';
import type { KernelDispatch } from '../kernel-runner.js';
import { resolveWgsl } from '../wgsl.js';
import { ceilDiv, checkCount, MAX_WORKGROUPS_PER_DIMENSION } from './grid.js';
import { MAX_SEQUENCES } from './step-params-uniform.js';

const WKV4_CODE = resolveWgsl(wkv4Source);
const WKV5_CODE = resolveWgsl(wkv5Source);
const WKV7_CODE = resolveWgsl(wkv7Source);

/** Largest head size the matrix-state WKV kernels take (one invocation per row of the S × S state). */
export const MAX_WKV_HEAD_SIZE = 64;

/**
 * What a WKV dispatch reads of the state slots (binding 1): each session's `floats`; and its serial chain, the scan
 * over the T tokens of a session.
 */
function stateScan(
  batch: number,
  floats: number,
  tokens: number,
): Pick<KernelDispatch, 'partialReads' | 'serialSteps'> {
  return { partialReads: { 1: batch * floats * 4 }, serialSteps: tokens };
}

/** Bindings [params, state, time_first, time_decay, k, v, out]; T tokens per session. */
export function wkv4Kernel(channels: number, batch: number, tokens: number): KernelDispatch {
  checkCount('wkv4 channels', channels);
  checkCount('wkv4 batch', batch, MAX_SEQUENCES);
  return {
    kernel: { label: 'wkv4', code: WKV4_CODE, constants: { CHANNELS: channels } },
    workgroups: [ceilDiv(channels, 64), batch, 1],
    ...stateScan(batch, 3 * channels, tokens),
  };
}

export interface Wkv5Shape {
  heads: number;
  headSize: number;
  batch: number;
  /** Tokens per session (T). */
  tokens: number;
  /** v5.1: time_first and time_decay hold one value per head. */
  paramsPerHead?: boolean;
  /** v6: time_decay is the per-token decay [B, T, C]. */
  decayPerToken?: boolean;
}

/** Bindings [params, state, time_first, time_decay, r, k, v, out]. */
export function wkv5Kernel(shape: Wkv5Shape): KernelDispatch {
  checkCount('wkv5 heads', shape.heads, MAX_WORKGROUPS_PER_DIMENSION);
  checkCount('wkv5 head size', shape.headSize, MAX_WKV_HEAD_SIZE);
  checkCount('wkv5 batch', shape.batch, MAX_SEQUENCES);
  return {
    kernel: {
      label: 'wkv5',
      code: WKV5_CODE,
      constants: {
        HEAD_SIZE: shape.headSize,
        PARAMS_PER_HEAD: Number(shape.paramsPerHead ?? false),
        DECAY_PER_TOKEN: Number(shape.decayPerToken ?? false),
      },
    },
    workgroups: [shape.heads, shape.batch, 1],
    ...stateScan(shape.batch, shape.heads * shape.headSize * shape.headSize, shape.tokens),
  };
}

/** Bindings [params, state, r, w, k, v, kk, a, out]; T tokens per session. */
export function wkv7Kernel(heads: number, headSize: number, batch: number, tokens: number): KernelDispatch {
  checkCount('wkv7 heads', heads, MAX_WORKGROUPS_PER_DIMENSION);
  checkCount('wkv7 head size', headSize, MAX_WKV_HEAD_SIZE);
  checkCount('wkv7 batch', batch, MAX_SEQUENCES);
  return {
    kernel: { label: 'wkv7', code: WKV7_CODE, constants: { HEAD_SIZE: headSize } },
    workgroups: [heads, batch, 1],
    ...stateScan(batch, heads * headSize * headSize, tokens),
  };
}
