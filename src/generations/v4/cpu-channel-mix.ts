/**
 * The receptance-gated channel-mix (FFN) of v4, v5 and v6:
 *   xk = mix(x, xPrev, mix_k),  xr = mix(x, xPrev, mix_r)
 *   out = σ(Wr·xr) ⊙ (Wv · max(Wk·xk, 0)²)
 * v4/v5 mix with time_mix_* as x·m + xPrev·(1 − m); v6 with time_maa_* as x + (xPrev − x)·m.
 */
import type { LayerMixers } from '../../cpu/layer.js';
import { lerpMix, matMat, mul, shiftMix, sigmoid, squaredRelu, tokenShift } from '../../cpu/ops.js';
import type { ModelWeights } from '../../cpu/weights.js';
import type { ModelSpec } from '../../model/spec.js';

export function createGatedChannelMix(
  weights: ModelWeights,
  spec: ModelSpec,
  layer: number,
  form: 'lerp' | 'shift',
): LayerMixers['channelMix'] {
  const c = spec.nEmbed;
  const prefix = `blocks.${layer}.ffn.`;
  const mixName = form === 'lerp' ? 'time_mix' : 'time_maa';
  const mixK = weights.values(`${prefix}${mixName}_k`, c);
  const mixR = weights.values(`${prefix}${mixName}_r`, c);
  const key = weights.matrix(`${prefix}key.weight`, spec.nFfn, c);
  const value = weights.matrix(`${prefix}value.weight`, c, spec.nFfn);
  const receptance = weights.matrix(`${prefix}receptance.weight`, c, c);
  const mix = form === 'lerp' ? lerpMix : shiftMix;

  return (x, tokenCount, state) => {
    const xPrev = tokenShift(x, state.ffnShift);
    const k = squaredRelu(matMat(key, mix(x, xPrev, mixK), tokenCount));
    const r = sigmoid(matMat(receptance, mix(x, xPrev, mixR), tokenCount));
    return mul(r, matMat(value, k, tokenCount));
  };
}
