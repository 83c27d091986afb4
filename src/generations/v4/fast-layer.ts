/**
 * RWKV v4 layer for the fast CPU backend: the math of cpu-layer.ts (the oracle; see its header) step for step, the
 * matrix products and the WKV4 recurrence in the WebAssembly kernels (src/wasm/) over heap vectors and compact
 * weights, the token-shift mixes and the sigmoid as the oracle's own functions writing into heap views.
 */
import { lerpMix, mul, sigmoid } from '../../cpu/ops.js';
import { rowsOf, shiftSegments, type FastLayerFactory, type FastScratchEstimate } from '../../wasm/layer.js';
import { quantizedInputFloats } from '../../wasm/ops.js';
import { createGatedFastChannelMix, gatedChannelMixFloats } from './fast-channel-mix.js';
import { v4LayerWeights } from './layer-weights.js';

/**
 * Scratch per layer: 9 [T, C] vectors and the quantized x of its group of 3 products in the time-mix, then the
 * channel mix's; alignment slack.
 */
export const v4FastScratchFloats: FastScratchEstimate = (spec, tokens) =>
  tokens * 9 * spec.nEmbed +
  quantizedInputFloats(3, spec.nEmbed, tokens) +
  gatedChannelMixFloats(spec, tokens) +
  64 * 16;

export const createV4FastLayer: FastLayerFactory = (weights, spec, layer, ops) => {
  const c = spec.nEmbed;
  const { timeDecay, timeFirst, mixK, mixV, mixR, key, value, receptance, output } = v4LayerWeights(
    weights,
    spec,
    layer,
  );
  const decay = ops.permanent(timeDecay);
  const first = ops.permanent(timeFirst);
  return {
    timeMix(x, tokenCount, segments) {
      const n = tokenCount * c;
      const xPrev = shiftSegments(x, segments, 'attShift', ops.vector(n), c);
      const [xk, xv, xr] = [mixK, mixV, mixR].map((mix) => {
        const mixed = ops.vector(n);
        lerpMix(x.data, xPrev.data, mix, mixed.data);
        return mixed;
      });
      const [k, v, r] = ops.matmuls(
        [
          [key, xk],
          [value, xv],
          [receptance, xr],
        ],
        tokenCount,
      );
      sigmoid(r.data, r.data);
      const wkv = ops.vector(n);
      for (const { first: row, count, state } of segments) {
        const [ks, vs, ys] = [k, v, wkv].map((part) => rowsOf(part, row, count, c));
        const aa = state.wkv.ptr;
        ops.kernels.wkv4(count, c, ks.ptr, vs.ptr, first, decay, aa, aa + 4 * c, aa + 8 * c, ys.ptr);
      }
      mul(r.data, wkv.data, wkv.data);
      return ops.matmul(output, wkv, tokenCount);
    },
    channelMix: createGatedFastChannelMix(weights, spec, layer, ops, 'lerp'),
  };
};
