/**
 * The receptance-gated channel-mix (FFN) of v4, v5 and v6:
 *   xk = mix(x, xPrev, mix_k),  xr = mix(x, xPrev, mix_r)
 *   out = σ(Wr·xr) ⊙ (Wv · max(Wk·xk, 0)²)
 * v4/v5 mix with time_mix_* as x·m + xPrev·(1 − m); v6 with time_maa_* as x + (xPrev − x)·m.
 */
import type { LayerMixers } from '../../cpu/layer.js';
import { matMat, mul, sigmoid, squaredRelu, tokenShift } from '../../cpu/ops.js';
import type { ModelWeights } from '../../cpu/weights.js';
import type { ModelSpec } from '../../model/spec.js';
import { gatedChannelMixWeights, type ChannelMixForm } from './gated-channel-mix-weights.js';

export function createGatedChannelMix(
  weights: ModelWeights,
  spec: ModelSpec,
  layer: number,
  form: ChannelMixForm,
): LayerMixers['channelMix'] {
  const { mixK, mixR, key, value, receptance, mix } = gatedChannelMixWeights(weights, spec, layer, form);
  return (x, tokenCount, state) => {
    const xPrev = tokenShift(x, state.ffnShift);
    const k = squaredRelu(matMat(key, mix(x, xPrev, mixK), tokenCount));
    const r = sigmoid(matMat(receptance, mix(x, xPrev, mixR), tokenCount));
    return mul(r, matMat(value, k, tokenCount));
  };
}
