/**
 * The contract between the fast CPU forward pass (model.ts) and a generation's fast layer
 * (src/generations/vN/fast-layer.ts): the same as the oracle's (src/cpu/layer.ts) — a time-mix and a channel-mix,
 * each returning the delta to add to the residual stream — over heap vectors, so that the kernels read them in place.
 */
import { tokenShift } from '../cpu/ops.js';
import type { ModelSpec } from '../model/spec.js';
import type { Vec } from './heap.js';
import type { FastOps } from './ops.js';
import type { FastWeights } from './weights.js';

/** Values shared between the layers of one forward call (v7: the value of layer 0; a [T, C] vector). */
export interface FastContext {
  valueFirst: Vec;
}

/** One layer's state, as vectors in the heap: the two token-shift vectors [C] and the WKV part. */
export interface FastLayerState {
  attShift: Vec;
  ffnShift: Vec;
  wkv: Vec;
}

/**
 * Which state each run of rows feeds: one segment (a prefill chunk, every row in order through one state), or one
 * segment per row (a batched decode: row i is state i's next token). Matrix products run over all rows at once.
 */
export interface StateSegment {
  first: number;
  count: number;
  state: FastLayerState;
}

export interface FastMixers {
  /** x: [T, C] after ln1. Returns [T, C]. */
  timeMix(x: Vec, tokenCount: number, segments: readonly StateSegment[], context: FastContext): Vec;
  /** x: [T, C] after ln2. Returns [T, C]. */
  channelMix(x: Vec, tokenCount: number, segments: readonly StateSegment[]): Vec;
}

/** Rows [first, first + count) of a [rows, width] vector, as a vector. */
export function rowsOf(vector: Vec, first: number, count: number, width: number): Vec {
  return {
    ptr: vector.ptr + first * width * 4,
    data: vector.data.subarray(first * width, (first + count) * width),
  };
}

/** The token shift of every segment (src/cpu/ops.ts tokenShift) with that segment's carry, into `out`. */
export function shiftSegments(
  x: Vec,
  segments: readonly StateSegment[],
  carry: 'attShift' | 'ffnShift',
  out: Vec,
  width: number,
): Vec {
  for (const { first, count, state } of segments) {
    tokenShift(rowsOf(x, first, count, width).data, state[carry].data, rowsOf(out, first, count, width).data);
  }
  return out;
}

export type FastLayerFactory = (weights: FastWeights, spec: ModelSpec, layer: number, ops: FastOps) => FastMixers;

/** Floats of scratch one layer of this factory's kind takes for `tokens` tokens, at most (sizes the scratch). */
export type FastScratchEstimate = (spec: ModelSpec, tokens: number) => number;

/** A generation's fast layer and its scratch bound (GenerationModule.fastLayer). */
export interface FastLayerKind {
  create: FastLayerFactory;
  scratchFloats: FastScratchEstimate;
}
