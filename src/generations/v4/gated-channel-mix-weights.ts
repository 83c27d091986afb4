/**
 * The tensors of the receptance-gated channel mix of v4, v5 and v6 in one layer, for both CPU layers (the oracle's
 * cpu-channel-mix.ts and the fast backend's fast-channel-mix.ts), with the token-shift mix of the generation:
 * v4 / v5 mix with time_mix_* as x·m + xPrev·(1 − m) (lerp), v6 with time_maa_* as x + (xPrev − x)·m (shift).
 */
import { lerpMix, shiftMix } from '../../cpu/ops.js';
import type { ModelSpec } from '../../model/spec.js';
import type { LayerWeightSource } from '../attention-weights.js';

export type ChannelMixForm = 'lerp' | 'shift';

export function gatedChannelMixWeights<M>(
  weights: LayerWeightSource<M>,
  spec: ModelSpec,
  layer: number,
  form: ChannelMixForm,
) {
  const c = spec.nEmbed;
  const prefix = `blocks.${layer}.ffn.`;
  const mixName = form === 'lerp' ? 'time_mix' : 'time_maa';
  return {
    mixK: weights.values(`${prefix}${mixName}_k`, c),
    mixR: weights.values(`${prefix}${mixName}_r`, c),
    key: weights.matrix(`${prefix}key.weight`, spec.nFfn, c),
    value: weights.matrix(`${prefix}value.weight`, c, spec.nFfn),
    receptance: weights.matrix(`${prefix}receptance.weight`, c, c),
    mix: form === 'lerp' ? lerpMix : shiftMix,
  };
}
