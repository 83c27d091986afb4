/**
 * The attention tensors of one v6 layer, fetched by name and checked by size, for both CPU layers — all but
 * time_maa_w2 ([5, C, D]: the oracle reads it as values, the fast layer as a [5·C, D] compact matrix).
 */
import type { ModelSpec } from '../../model/spec.js';
import { attentionProjections, type LayerWeightSource } from '../attention-weights.js';

/** The five data-dependent mixes, in the order of time_maa_w1's row blocks and time_maa_w2's matrices. */
export const MIXES = ['w', 'k', 'v', 'r', 'g'] as const;

export function v6LayerWeights<M>(weights: LayerWeightSource<M>, spec: ModelSpec, layer: number) {
  const c = spec.nEmbed;
  const mixWidth = weights.loraWidth('mix');
  const decayWidth = weights.loraWidth('decay');
  const prefix = `blocks.${layer}.att.`;
  return {
    mixWidth,
    maaX: weights.values(`${prefix}time_maa_x`, c),
    maa: MIXES.map((name) => weights.values(`${prefix}time_maa_${name}`, c)),
    maaW1: weights.matrix(`${prefix}time_maa_w1`, MIXES.length * mixWidth, c),
    timeDecay: weights.values(`${prefix}time_decay`, c),
    decayW1: weights.matrix(`${prefix}time_decay_w1`, decayWidth, c),
    decayW2: weights.matrix(`${prefix}time_decay_w2`, c, decayWidth),
    bonus: weights.values(`${prefix}time_faaaa`, c),
    gate: weights.matrix(`${prefix}gate.weight`, c, c),
    ...attentionProjections(weights, prefix, c),
  };
}
