/**
 * RWKV v7 (Goose) layer (rwkv.cpp rwkv_att_v7 / rwkv_ffn_v7): generalised delta rule.
 *   x_i = x + (xPrev − x) ⊙ x_rwkvag[i]                   i = r, w, k, v, a, g
 *   r = Wr·x_r,  k = Wk·x_k,  v = Wv·x_v
 *   w = exp(−e^−½ · σ(w0 + W2·tanh(W1·x_w)))               the decay, in (e^−e^−½, 1)
 *   layer 0: v_first = v;  later: v = v + (v_first − v) ⊙ σ(v0 + V2·(V1·x_v))
 *   a = σ(a0 + A2·(A1·x_a))                                the in-context learning rate
 *   g = G2·σ(G1·x_g)
 *   κ̂ = L2-normalise per head (k ⊙ k_k);  k = k ⊙ (1 + (a − 1) ⊙ k_a)
 *   y = WKV7(r, w, k, v; a = −κ̂, b = κ̂ ⊙ a)                (see ops.wkv7Step)
 *   y = GroupNorm_H(y; ln_x, eps 64e-5) + (Σ_head r ⊙ k ⊙ r_k) · v
 *   out = Wo·(y ⊙ g)
 * Channel-mix: out = Wv · max(Wk·(x + (xPrev − x) ⊙ x_k), 0)²   (no receptance).
 */
import { row, type CpuLayerFactory } from '../../cpu/layer.js';
import { MIXES, v7LayerWeights } from './layer-weights.js';
import {
  add,
  groupNorm,
  l2NormalizeHeads,
  matMat,
  mul,
  shiftMix,
  sigmoid,
  squaredRelu,
  tanh,
  tokenShift,
  wkv7Step,
} from '../../cpu/ops.js';

const GROUP_NORM_EPS = 64e-5;
/** e^−½: w = exp(−e^−½·σ(z)) is the official exp(−exp(−softplus(−z) − ½)), since exp(−softplus(−z)) = σ(z). */
const DECAY_SCALE = Math.exp(-0.5);

export const createV7CpuLayer: CpuLayerFactory = (weights, spec, layer) => {
  const c = spec.nEmbed;
  const heads = spec.nHead;
  const headSize = spec.headSize;
  const layerWeights = v7LayerWeights(weights, spec, layer);
  const { mixes, w0, a0, kK, kA, rK, w1, w2, a1, a2, g1, g2, valueResidual } = layerWeights;
  const { key, value, receptance, output, lnXWeight, lnXBias, ffnMix, ffnKey, ffnValue } = layerWeights;
  return {
    timeMix(x, tokenCount, state, context) {
      const xPrev = tokenShift(x, state.attShift);
      const [xr, xw, xk, xv, xa, xg] = MIXES.map((_, i) => shiftMix(x, xPrev, row(mixes, i, c)));
      const r = matMat(receptance, xr, tokenCount);
      const k = matMat(key, xk, tokenCount);
      const v = matMat(value, xv, tokenCount);

      const w = sigmoid(add(matMat(w2, tanh(matMat(w1, xw, tokenCount)), tokenCount), w0));
      for (let i = 0; i < w.length; i++) w[i] = Math.exp(-DECAY_SCALE * w[i]);

      if (!valueResidual) {
        context.valueFirst = v.slice();
      } else {
        const first = context.valueFirst;
        if (!first) throw new Error('v7 value residual: layer 0 did not run first');
        const { v0, v1, v2 } = valueResidual;
        const mix = sigmoid(add(matMat(v2, matMat(v1, xv, tokenCount), tokenCount), v0));
        for (let i = 0; i < v.length; i++) v[i] += (first[i] - v[i]) * mix[i];
      }

      const a = sigmoid(add(matMat(a2, matMat(a1, xa, tokenCount), tokenCount), a0));
      const g = matMat(g2, sigmoid(matMat(g1, xg, tokenCount)), tokenCount);

      const kk = l2NormalizeHeads(mul(k, kK), headSize);
      for (let i = 0; i < k.length; i++) k[i] *= 1 + (a[i] - 1) * kA[i % c];
      const removal = new Float32Array(kk.length);
      const replacement = new Float32Array(kk.length);
      for (let i = 0; i < kk.length; i++) {
        removal[i] = -kk[i];
        replacement[i] = kk[i] * a[i];
      }

      const y = new Float32Array(tokenCount * c);
      for (let t = 0; t < tokenCount; t++) {
        const [rt, wt, kt, vt] = [row(r, t, c), row(w, t, c), row(k, t, c), row(v, t, c)];
        wkv7Step(rt, wt, kt, vt, row(removal, t, c), row(replacement, t, c), state.wkv, headSize, row(y, t, c));
      }
      groupNorm(y, heads, lnXWeight, lnXBias, GROUP_NORM_EPS, y);
      for (let t = 0; t < tokenCount; t++) {
        for (let h = 0; h < heads; h++) {
          const base = t * c + h * headSize;
          let bonus = 0;
          for (let j = 0; j < headSize; j++) bonus += r[base + j] * k[base + j] * rK[h * headSize + j];
          for (let i = 0; i < headSize; i++) y[base + i] += bonus * v[base + i];
        }
      }
      return matMat(output, mul(y, g, y), tokenCount);
    },
    channelMix(x, tokenCount, state) {
      const xPrev = tokenShift(x, state.ffnShift);
      return matMat(ffnValue, squaredRelu(matMat(ffnKey, shiftMix(x, xPrev, ffnMix), tokenCount)), tokenCount);
    },
  };
};
