/**
 * The tensors of one v7 layer, fetched by name and checked by size, for either CPU layer: the oracle's (matrices as
 * f32 arrays, src/cpu/weights.ts) and the fast one's (compact matrices in the WebAssembly heap, src/wasm/weights.ts).
 */
import type { ModelSpec } from '../../model/spec.js';
import { attentionProjections, type LayerWeightSource } from '../attention-weights.js';

/** The six token-shift mixes stacked in att.x_rwkvag, in this order. */
export const MIXES = ['r', 'w', 'k', 'v', 'a', 'g'] as const;

export function v7LayerWeights<M>(weights: LayerWeightSource<M>, spec: ModelSpec, layer: number) {
  const c = spec.nEmbed;
  const decayWidth = weights.loraWidth('decay');
  const iclrWidth = weights.loraWidth('iclr');
  const gateWidth = weights.loraWidth('gate');
  const prefix = `blocks.${layer}.att.`;
  return {
    mixes: weights.values(`${prefix}x_rwkvag`, MIXES.length * c),
    w0: weights.values(`${prefix}w0`, c),
    a0: weights.values(`${prefix}a0`, c),
    kK: weights.values(`${prefix}k_k`, c),
    kA: weights.values(`${prefix}k_a`, c),
    rK: weights.values(`${prefix}r_k`, c),
    w1: weights.matrix(`${prefix}w1`, decayWidth, c),
    w2: weights.matrix(`${prefix}w2`, c, decayWidth),
    a1: weights.matrix(`${prefix}a1`, iclrWidth, c),
    a2: weights.matrix(`${prefix}a2`, c, iclrWidth),
    g1: weights.matrix(`${prefix}g1`, gateWidth, c),
    g2: weights.matrix(`${prefix}g2`, c, gateWidth),
    valueResidual:
      layer === 0
        ? undefined
        : {
            v0: weights.values(`${prefix}v0`, c),
            v1: weights.matrix(`${prefix}v1`, weights.loraWidth('valueResidual'), c),
            v2: weights.matrix(`${prefix}v2`, c, weights.loraWidth('valueResidual')),
          },
    ...attentionProjections(weights, prefix, c),
    ffnMix: weights.values(`blocks.${layer}.ffn.x_k`, c),
    ffnKey: weights.matrix(`blocks.${layer}.ffn.key.weight`, spec.nFfn, c),
    ffnValue: weights.matrix(`blocks.${layer}.ffn.value.weight`, c, spec.nFfn),
  };
}
