/**
 * The attention tensors of one v5.1 / v5.2 layer, fetched by name and checked by size, for both CPU layers; the
 * decay and bonus as one value per channel (5.1's per-head values repeated over the head's channels).
 */
import type { ModelSpec } from '../../model/spec.js';
import { attentionProjections, type LayerWeightSource } from '../attention-weights.js';

/** A per-head value repeated over the head's S channels. */
function repeatPerHead(perHead: Float32Array, headSize: number): Float32Array {
  const out = new Float32Array(perHead.length * headSize);
  for (let h = 0; h < perHead.length; h++) out.fill(perHead[h], h * headSize, (h + 1) * headSize);
  return out;
}

/** 5.1 (`gated` false) or 5.2 (`gated`: per-channel time_faaaa and the SiLU gate). */
export function v5LayerWeights<M>(weights: LayerWeightSource<M>, spec: ModelSpec, layer: number, gated: boolean) {
  const c = spec.nEmbed;
  const heads = spec.nHead;
  const headSize = spec.headSize;
  const prefix = `blocks.${layer}.att.`;
  return {
    decay: gated
      ? weights.values(`${prefix}time_decay`, c)
      : repeatPerHead(weights.values(`${prefix}time_decay`, heads), headSize),
    bonus: gated
      ? weights.values(`${prefix}time_faaaa`, c)
      : repeatPerHead(weights.values(`${prefix}time_first`, heads), headSize),
    mixK: weights.values(`${prefix}time_mix_k`, c),
    mixV: weights.values(`${prefix}time_mix_v`, c),
    mixR: weights.values(`${prefix}time_mix_r`, c),
    gate: gated
      ? { mix: weights.values(`${prefix}time_mix_g`, c), matrix: weights.matrix(`${prefix}gate.weight`, c, c) }
      : undefined,
    ...attentionProjections(weights, prefix, c),
  };
}
