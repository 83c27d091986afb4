/**
 * The contract between the CPU forward pass (src/reference/model.ts) and each generation's CPU layer
 * (src/generations/vN/cpu-layer.ts): a layer is a time-mix and a channel-mix, each taking the LayerNorm-ed residual
 * stream of a chunk of tokens and returning the delta to add to it, and updating its parts of the layer's state in
 * place.
 */
import type { ModelSpec } from '../model/spec.js';
import type { ModelWeights } from './weights.js';

/** Values shared between the layers of one forward call (v7: the value of layer 0, mixed into later layers). */
export interface ForwardContext {
  valueFirst: Float32Array | undefined;
}

/** One layer's state, as views into the model's state: the two token-shift vectors [C] and the WKV part. */
export interface LayerState {
  attShift: Float32Array;
  ffnShift: Float32Array;
  wkv: Float32Array;
}

export interface LayerMixers {
  /** x: [T, C] after ln1. Returns [T, C]. */
  timeMix(x: Float32Array, tokenCount: number, state: LayerState, context: ForwardContext): Float32Array;
  /** x: [T, C] after ln2. Returns [T, C]. */
  channelMix(x: Float32Array, tokenCount: number, state: LayerState): Float32Array;
}

export type CpuLayerFactory = (weights: ModelWeights, spec: ModelSpec, layer: number) => LayerMixers;

/** Row t of a [rows, width] array, as a view. */
export function row(array: Float32Array, t: number, width: number): Float32Array {
  return array.subarray(t * width, (t + 1) * width);
}
