/**
 * RWKV v5.1 / v5.2 layer (rwkv.cpp rwkv_att_v5 / rwkv_ffn): H heads of size S, matrix state per head.
 *   xk, xv, xr (, xg) = x·m + xPrev·(1 − m)      (time_mix_k, _v, _r; 5.2 also _g)
 *   r = Wr·xr,  k = Wk·xk,  v = Wv·xv            (no sigmoid on r)
 *   y = WKV5(r, k, v; w = time_decay, u)          (see ops.wkv5Step)
 *       5.1: w = exp(−exp(w_pth)) and u = time_first = exp(u_pth), one value per head
 *       5.2: w = exp(−exp(w_pth)) and u = time_faaaa, one value per head channel
 *   y = GroupNorm_H(y; ln_x, eps 1e-5)
 *   5.2: y = y ⊙ SiLU(Wg·xg)
 *   out = Wo·y
 * Channel-mix: the receptance-gated FFN with time_mix_k / time_mix_r.
 */
import { row, type CpuLayerFactory } from '../../cpu/layer.js';
import { groupNorm, lerpMix, matMat, mul, silu, tokenShift, wkv5Step } from '../../cpu/ops.js';
import { createGatedChannelMix } from '../v4/cpu-channel-mix.js';
import { v5LayerWeights } from './layer-weights.js';

const GROUP_NORM_EPS = 1e-5;

/** The v5 layer: 5.1 without the gate (`gated` false), 5.2 with it. */
export const createV5CpuLayer =
  (gated: boolean): CpuLayerFactory =>
  (weights, spec, layer) => {
    const c = spec.nEmbed;
    const heads = spec.nHead;
    const headSize = spec.headSize;
    const { decay, bonus, mixK, mixV, mixR, gate, key, value, receptance, output, lnXWeight, lnXBias } = v5LayerWeights(
      weights,
      spec,
      layer,
      gated,
    );
    return {
      timeMix(x, tokenCount, state) {
        const xPrev = tokenShift(x, state.attShift);
        const r = matMat(receptance, lerpMix(x, xPrev, mixR), tokenCount);
        const k = matMat(key, lerpMix(x, xPrev, mixK), tokenCount);
        const v = matMat(value, lerpMix(x, xPrev, mixV), tokenCount);
        const y = new Float32Array(tokenCount * c);
        for (let t = 0; t < tokenCount; t++) {
          wkv5Step(row(r, t, c), row(k, t, c), row(v, t, c), decay, bonus, state.wkv, headSize, row(y, t, c));
        }
        groupNorm(y, heads, lnXWeight, lnXBias, GROUP_NORM_EPS, y);
        if (gate) mul(y, silu(matMat(gate.matrix, lerpMix(x, xPrev, gate.mix), tokenCount)), y);
        return matMat(output, y, tokenCount);
      },
      channelMix: createGatedChannelMix(weights, spec, layer, 'lerp'),
    };
  };
