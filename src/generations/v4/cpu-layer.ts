/**
 * RWKV v4 layer (rwkv.cpp rwkv_att_v4 / rwkv_ffn): vector WKV state per channel.
 *   xk, xv, xr = x·m + xPrev·(1 − m)             (time_mix_k, time_mix_v, time_mix_r)
 *   k = Wk·xk,  v = Wv·xv,  r = σ(Wr·xr)
 *   wkv = WKV4(k, v; u = time_first, w = time_decay = −exp(w_pth))   (see ops.wkv4Step; aa, bb, pp in the state)
 *   out = Wo·(r ⊙ wkv)
 * Channel-mix: the receptance-gated FFN with time_mix_k / time_mix_r.
 */
import { row, type CpuLayerFactory } from '../../cpu/layer.js';
import { lerpMix, matMat, mul, sigmoid, tokenShift, wkv4Step } from '../../cpu/ops.js';
import { createGatedChannelMix } from './cpu-channel-mix.js';
import { v4LayerWeights } from './layer-weights.js';

export const createV4CpuLayer: CpuLayerFactory = (weights, spec, layer) => {
  const c = spec.nEmbed;
  const { timeDecay, timeFirst, mixK, mixV, mixR, key, value, receptance, output } = v4LayerWeights(
    weights,
    spec,
    layer,
  );
  return {
    timeMix(x, tokenCount, state) {
      const xPrev = tokenShift(x, state.attShift);
      const k = matMat(key, lerpMix(x, xPrev, mixK), tokenCount);
      const v = matMat(value, lerpMix(x, xPrev, mixV), tokenCount);
      const r = sigmoid(matMat(receptance, lerpMix(x, xPrev, mixR), tokenCount));
      const aa = state.wkv.subarray(0, c);
      const bb = state.wkv.subarray(c, 2 * c);
      const pp = state.wkv.subarray(2 * c, 3 * c);
      const wkv = new Float32Array(tokenCount * c);
      for (let t = 0; t < tokenCount; t++) {
        wkv4Step(row(k, t, c), row(v, t, c), timeFirst, timeDecay, aa, bb, pp, row(wkv, t, c));
      }
      return matMat(output, mul(r, wkv), tokenCount);
    },
    channelMix: createGatedChannelMix(weights, spec, layer, 'lerp'),
  };
};
