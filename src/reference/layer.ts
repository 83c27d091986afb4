/**
 * The contract between the generic forward pass (model.ts) and each generation's layer (v4.ts … v7.ts): a layer is
 * a time-mix and a channel-mix, each taking the LayerNorm-ed residual stream of a chunk of tokens and returning the
 * delta to add to it, and updating the layer's slice of the state in place.
 */
import type { ModelSpec } from '../model/spec.js';
import type { ModelWeights } from './weights.js';

/** Values shared between the layers of one forward call (v7: the value of layer 0, mixed into later layers). */
export interface ForwardContext {
  valueFirst: Float32Array | undefined;
}

export interface LayerMixers {
  /** x: [T, C] after ln1. Returns [T, C]. */
  timeMix(x: Float32Array, tokenCount: number, layerState: Float32Array, context: ForwardContext): Float32Array;
  /** x: [T, C] after ln2. Returns [T, C]. */
  channelMix(x: Float32Array, tokenCount: number, layerState: Float32Array): Float32Array;
}

export type LayerFactory = (weights: ModelWeights, spec: ModelSpec, layer: number) => LayerMixers;

/** Row t of a [rows, width] array, as a view. */
export function row(array: Float32Array, t: number, width: number): Float32Array {
  return array.subarray(t * width, (t + 1) * width);
}
