/** The attention tensors of one v4 layer, fetched by name and checked by size, for both CPU layers. */
import type { ModelSpec } from '../../model/spec.js';
import type { LayerWeightSource } from '../attention-weights.js';

export function v4LayerWeights<M>(weights: LayerWeightSource<M>, spec: ModelSpec, layer: number) {
  const c = spec.nEmbed;
  const prefix = `blocks.${layer}.att.`;
  const matrix = (name: string) => weights.matrix(`${prefix}${name}.weight`, c, c);
  return {
    timeDecay: weights.values(`${prefix}time_decay`, c),
    timeFirst: weights.values(`${prefix}time_first`, c),
    mixK: weights.values(`${prefix}time_mix_k`, c),
    mixV: weights.values(`${prefix}time_mix_v`, c),
    mixR: weights.values(`${prefix}time_mix_r`, c),
    key: matrix('key'),
    value: matrix('value'),
    receptance: matrix('receptance'),
    output: matrix('output'),
  };
}
