/**
 * RWKV v6 (Finch) layer (rwkv.cpp rwkv_att_v6 / rwkv_ffn_v6): data-dependent token shift and decay.
 *   sx = xPrev − x
 *   h = tanh(W1·(x + sx ⊙ time_maa_x))             W1 = time_maa_w1 [5·D, C]; h split into 5 parts of D
 *   m_i = W2_i · h_i                                 W2_i = time_maa_w2[i] [C, D]; i = w, k, v, r, g
 *   x_i = x + sx ⊙ (time_maa_i + m_i)
 *   r = Wr·x_r,  k = Wk·x_k,  v = Wv·x_v,  g = SiLU(Wg·x_g)
 *   w = exp(−exp(time_decay + Wd2·tanh(Wd1·x_w)))    per token and channel
 *   y = WKV6(r, k, v; w, u = time_faaaa)             (see ops.wkv6Step)
 *   out = Wo·(GroupNorm_H(y; ln_x, eps 64e-5) ⊙ g)
 * (rwkv.cpp scales y by 1/8 before a GroupNorm of eps 1e-5: the same normalisation as eps 64e-5.)
 * Channel-mix: the receptance-gated FFN with time_maa_k / time_maa_r.
 */
import { row, type CpuLayerFactory } from '../../cpu/layer.js';
import {
  add,
  groupNorm,
  matMat,
  mul,
  shiftMix,
  shiftMixWithOffset,
  silu,
  tanh,
  tokenShift,
  wkv6Step,
} from '../../cpu/ops.js';
import { createGatedChannelMix } from '../v4/cpu-channel-mix.js';
import { MIXES, v6LayerWeights } from './layer-weights.js';

const GROUP_NORM_EPS = 64e-5;

/** Columns [start, start + width) of every row of a [rows, stride] array, as a [rows, width] array. */
function columns(x: Float32Array, rows: number, stride: number, start: number, width: number): Float32Array {
  const out = new Float32Array(rows * width);
  for (let t = 0; t < rows; t++) out.set(x.subarray(t * stride + start, t * stride + start + width), t * width);
  return out;
}

export const createV6CpuLayer: CpuLayerFactory = (weights, spec, layer) => {
  const c = spec.nEmbed;
  const headSize = spec.headSize;
  const layerWeights = v6LayerWeights(weights, spec, layer);
  const { mixWidth, maaX, maa, maaW1, timeDecay, decayW1, decayW2, bonus } = layerWeights;
  const { key, value, receptance, gate, output, lnXWeight, lnXBias } = layerWeights;
  const maaW2 = weights.values(`blocks.${layer}.att.time_maa_w2`, MIXES.length * c * mixWidth);
  return {
    timeMix(x, tokenCount, state) {
      const xPrev = tokenShift(x, state.attShift);
      const hidden = tanh(matMat(maaW1, shiftMix(x, xPrev, maaX), tokenCount));
      const [xw, xk, xv, xr, xg] = MIXES.map((_, i) => {
        const w2 = maaW2.subarray(i * c * mixWidth, (i + 1) * c * mixWidth);
        const part = columns(hidden, tokenCount, MIXES.length * mixWidth, i * mixWidth, mixWidth);
        return shiftMixWithOffset(x, xPrev, maa[i], matMat(w2, part, tokenCount));
      });
      const r = matMat(receptance, xr, tokenCount);
      const k = matMat(key, xk, tokenCount);
      const v = matMat(value, xv, tokenCount);
      const g = silu(matMat(gate, xg, tokenCount));
      const w = add(matMat(decayW2, tanh(matMat(decayW1, xw, tokenCount)), tokenCount), timeDecay);
      for (let i = 0; i < w.length; i++) w[i] = Math.exp(-Math.exp(w[i]));
      const y = new Float32Array(tokenCount * c);
      for (let t = 0; t < tokenCount; t++) {
        wkv6Step(row(r, t, c), row(k, t, c), row(v, t, c), row(w, t, c), bonus, state.wkv, headSize, row(y, t, c));
      }
      groupNorm(y, spec.nHead, lnXWeight, lnXBias, GROUP_NORM_EPS, y);
      return matMat(output, mul(y, g, y), tokenCount);
    },
    channelMix: createGatedChannelMix(weights, spec, layer, 'shift'),
  };
};
