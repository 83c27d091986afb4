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
import { attentionProjections } from '../attention-weights.js';
import { createGatedChannelMix } from '../v4/cpu-channel-mix.js';

const GROUP_NORM_EPS = 1e-5;

/** A per-head value repeated over the head's S channels. */
function repeatPerHead(perHead: Float32Array, headSize: number): Float32Array {
  const out = new Float32Array(perHead.length * headSize);
  for (let h = 0; h < perHead.length; h++) out.fill(perHead[h], h * headSize, (h + 1) * headSize);
  return out;
}

/** The v5 layer: 5.1 without the gate (`gated` false), 5.2 with it. */
export const createV5CpuLayer =
  (gated: boolean): CpuLayerFactory =>
  (weights, spec, layer) => {
    const c = spec.nEmbed;
    const heads = spec.nHead;
    const headSize = spec.headSize;
    const prefix = `blocks.${layer}.att.`;
    const decay = gated
      ? weights.values(`${prefix}time_decay`, c)
      : repeatPerHead(weights.values(`${prefix}time_decay`, heads), headSize);
    const bonus = gated
      ? weights.values(`${prefix}time_faaaa`, c)
      : repeatPerHead(weights.values(`${prefix}time_first`, heads), headSize);
    const mixK = weights.values(`${prefix}time_mix_k`, c);
    const mixV = weights.values(`${prefix}time_mix_v`, c);
    const mixR = weights.values(`${prefix}time_mix_r`, c);
    const mixG = gated ? weights.values(`${prefix}time_mix_g`, c) : undefined;
    const { key, value, receptance, output, lnXWeight, lnXBias } = attentionProjections(weights, prefix, c);
    const gate = gated ? weights.matrix(`${prefix}gate.weight`, c, c) : undefined;
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
        if (gate && mixG) mul(y, silu(matMat(gate, lerpMix(x, xPrev, mixG), tokenCount)), y);
        return matMat(output, y, tokenCount);
      },
      channelMix: createGatedChannelMix(weights, spec, layer, 'lerp'),
    };
  };
