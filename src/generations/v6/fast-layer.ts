/**
 * RWKV v6 layer for the fast CPU backend: the math of cpu-layer.ts (the oracle; see its header) step for step, the
 * matrix products (the LoRA ones included), the WKV6 recurrence and the GroupNorm in the WebAssembly kernels
 * (src/wasm/) over heap vectors and compact weights, the element-wise steps as the oracle's own functions writing
 * into heap views.
 */
import { add, mul, shiftMix, shiftMixWithOffset, silu, tanh } from '../../cpu/ops.js';
import { rowsOf, shiftSegments, type FastLayerFactory, type FastScratchEstimate } from '../../wasm/layer.js';
import { matrixRows } from '../../wasm/weights.js';
import { quantizedInputFloats, type ProductInput } from '../../wasm/ops.js';
import { createGatedFastChannelMix, gatedChannelMixFloats } from '../v4/fast-channel-mix.js';
import { MIXES, v6LayerWeights } from './layer-weights.js';

const GROUP_NORM_EPS = 64e-5;

/**
 * Scratch per layer: 19 [T, C] vectors, the LoRA hidden ones and the quantized x of its groups (5 mix LoRA hidden
 * inputs; 5 mixed ones) in the time-mix, then the channel mix's.
 */
export const v6FastScratchFloats: FastScratchEstimate = (spec, tokens) => {
  const c = spec.nEmbed;
  const mix = spec.lora.mix ?? 0;
  const decay = spec.lora.decay ?? 0;
  const timeMix = tokens * (19 * c + 2 * MIXES.length * mix + decay);
  const quantized = quantizedInputFloats(MIXES.length, mix, tokens) + quantizedInputFloats(MIXES.length, c, tokens);
  return timeMix + quantized + gatedChannelMixFloats(spec, tokens) + 64 * 16;
};

export const createV6FastLayer: FastLayerFactory = (weights, spec, layer, ops) => {
  const c = spec.nEmbed;
  const headSize = spec.headSize;
  const layerWeights = v6LayerWeights(weights, spec, layer);
  const { mixWidth, maaX, maa, maaW1, timeDecay, decayW1, decayW2, bonus } = layerWeights;
  const { key, value, receptance, gate, output, lnXWeight, lnXBias } = layerWeights;
  const maaW2 = weights.matrix(`blocks.${layer}.att.time_maa_w2`, MIXES.length * c, mixWidth);
  const mixUp = MIXES.map((_, i) => matrixRows(maaW2, i * c, c));
  const bonusPtr = ops.permanent(bonus);
  const lnX = ops.heapNorm(lnXWeight, lnXBias);
  const hiddenWidth = MIXES.length * mixWidth;
  return {
    timeMix(x, tokenCount, segments) {
      const n = tokenCount * c;
      const xPrev = shiftSegments(x, segments, 'attShift', ops.vector(n), c);
      const xx = ops.vector(n);
      shiftMix(x.data, xPrev.data, maaX, xx.data);
      const hidden = ops.matmul(maaW1, xx, tokenCount);
      tanh(hidden.data, hidden.data);
      const parts = mixUp.map((up, i): ProductInput => {
        const part = ops.vector(tokenCount * mixWidth);
        for (let t = 0; t < tokenCount; t++) {
          const start = t * hiddenWidth + i * mixWidth;
          part.data.set(hidden.data.subarray(start, start + mixWidth), t * mixWidth);
        }
        return [up, part];
      });
      const [xw, xk, xv, xr, xg] = ops.matmuls(parts, tokenCount).map((offset, i) => {
        const mixed = ops.vector(n);
        shiftMixWithOffset(x.data, xPrev.data, maa[i], offset.data, mixed.data);
        return mixed;
      });
      const [r, k, v, g, decayHidden] = ops.matmuls(
        [
          [receptance, xr],
          [key, xk],
          [value, xv],
          [gate, xg],
          [decayW1, xw],
        ],
        tokenCount,
      );
      silu(g.data, g.data);
      tanh(decayHidden.data, decayHidden.data);
      const w = ops.matmul(decayW2, decayHidden, tokenCount);
      add(w.data, timeDecay, w.data);
      for (let i = 0; i < n; i++) w.data[i] = Math.exp(-Math.exp(w.data[i]));
      const y = ops.vector(n);
      for (const { first, count, state } of segments) {
        const [rs, ks, vs, ws, ys] = [r, k, v, w, y].map((part) => rowsOf(part, first, count, c));
        ops.kernels.wkv5(count, c, headSize, rs.ptr, ks.ptr, vs.ptr, ws.ptr, c, bonusPtr, state.wkv.ptr, ys.ptr);
      }
      ops.normalize(y, c, lnX, GROUP_NORM_EPS, spec.nHead, y);
      mul(y.data, g.data, y.data);
      return ops.matmul(output, y, tokenCount);
    },
    channelMix: createGatedFastChannelMix(weights, spec, layer, ops, 'shift'),
  };
};
