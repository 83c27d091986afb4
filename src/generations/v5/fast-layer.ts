/**
 * RWKV v5.1 / v5.2 layer for the fast CPU backend: the math of cpu-layer.ts (the oracle; see its header) step for
 * step, the matrix products, the WKV5 recurrence and the GroupNorm in the WebAssembly kernels (src/wasm/) over heap
 * vectors and compact weights, the token-shift mixes and the SiLU as the oracle's own functions writing into heap
 * views.
 */
import { lerpMix, mul, silu } from '../../cpu/ops.js';
import { rowsOf, shiftSegments, type FastLayerFactory, type FastScratchEstimate } from '../../wasm/layer.js';
import { quantizedInputFloats, type ProductInput } from '../../wasm/ops.js';
import { createGatedFastChannelMix, gatedChannelMixFloats } from '../v4/fast-channel-mix.js';
import { v5LayerWeights } from './layer-weights.js';

const GROUP_NORM_EPS = 1e-5;

/**
 * Scratch per layer: 11 [T, C] vectors and the quantized x of its group of ≤ 4 products in the time-mix, then the
 * channel mix's; alignment slack.
 */
export const v5FastScratchFloats: FastScratchEstimate = (spec, tokens) =>
  tokens * 11 * spec.nEmbed +
  quantizedInputFloats(4, spec.nEmbed, tokens) +
  gatedChannelMixFloats(spec, tokens) +
  64 * 16;

/** The v5 layer: 5.1 without the gate (`gated` false), 5.2 with it. */
export const createV5FastLayer =
  (gated: boolean): FastLayerFactory =>
  (weights, spec, layer, ops) => {
    const c = spec.nEmbed;
    const headSize = spec.headSize;
    const layerWeights = v5LayerWeights(weights, spec, layer, gated);
    const { mixK, mixV, mixR, gate, key, value, receptance, output } = layerWeights;
    const decayPtr = ops.permanent(layerWeights.decay);
    const bonusPtr = ops.permanent(layerWeights.bonus);
    const lnX = ops.heapNorm(layerWeights.lnXWeight, layerWeights.lnXBias);
    return {
      timeMix(x, tokenCount, segments) {
        const n = tokenCount * c;
        const xPrev = shiftSegments(x, segments, 'attShift', ops.vector(n), c);
        const mixed = (mix: Float32Array) => {
          const out = ops.vector(n);
          lerpMix(x.data, xPrev.data, mix, out.data);
          return out;
        };
        const products: ProductInput[] = [
          [receptance, mixed(mixR)],
          [key, mixed(mixK)],
          [value, mixed(mixV)],
        ];
        if (gate) products.push([gate.matrix, mixed(gate.mix)]);
        const [r, k, v, g] = ops.matmuls(products, tokenCount);
        const y = ops.vector(n);
        for (const { first, count, state } of segments) {
          const [rs, ks, vs, ys] = [r, k, v, y].map((part) => rowsOf(part, first, count, c));
          ops.kernels.wkv5(count, c, headSize, rs.ptr, ks.ptr, vs.ptr, decayPtr, 0, bonusPtr, state.wkv.ptr, ys.ptr);
        }
        ops.normalize(y, c, lnX, GROUP_NORM_EPS, spec.nHead, y);
        if (gate) mul(y.data, silu(g.data, g.data), y.data);
        return ops.matmul(output, y, tokenCount);
      },
      channelMix: createGatedFastChannelMix(weights, spec, layer, ops, 'lerp'),
    };
  };
