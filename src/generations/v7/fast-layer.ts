/**
 * RWKV v7 layer for the fast CPU backend: the math of cpu-layer.ts (the oracle; see its header) step for step, in
 * the WebAssembly kernels over heap vectors and compact weights — the matrix products, the GroupNorm and the WKV7
 * recurrence (src/wasm/), and the element-wise steps in f32x4 (assembly/elementwise.ts: the mixes, σ, tanh, the
 * decay, the value residual, the keys of the delta rule, the bonus and gate, max(x, 0)²).
 */
import { rowsOf, shiftSegments, type FastLayerFactory, type FastScratchEstimate } from '../../wasm/layer.js';
import { quantizedInputFloats, type ProductInput } from '../../wasm/ops.js';
import { MIXES, v7LayerWeights } from './layer-weights.js';

const GROUP_NORM_EPS = 64e-5;

/**
 * Scratch per layer: 22 [T, C] vectors in the time-mix (≤ 4 LoRA hidden ones), and the quantized x of its two
 * groups of products (6 mixed inputs, 4 LoRA hidden ones); 3 plus [T, F] in the channel-mix.
 */
export const v7FastScratchFloats: FastScratchEstimate = (spec, tokens) => {
  const c = spec.nEmbed;
  const lora = Math.max(...Object.values(spec.lora).filter((width): width is number => width !== undefined), 0);
  const quantized = quantizedInputFloats(6, c, tokens) + quantizedInputFloats(4, lora, tokens);
  return tokens * (22 * c + 4 * lora + Math.max(3 * c + spec.nFfn, 0)) + quantized + 64 * 16;
};

export const createV7FastLayer: FastLayerFactory = (weights, spec, layer, ops) => {
  const c = spec.nEmbed;
  const headSize = spec.headSize;
  const layerWeights = v7LayerWeights(weights, spec, layer);
  const { w1, w2, a1, a2, g1, g2, valueResidual } = layerWeights;
  const { key, value, receptance, output, lnXWeight, lnXBias, ffnKey, ffnValue } = layerWeights;
  const lnX = ops.heapNorm(lnXWeight, lnXBias);
  const kernels = ops.kernels;
  // The per-channel vectors, copied into the heap for the kernels.
  const mixes = ops.permanent(layerWeights.mixes);
  const [w0, a0, kK, kA, rK, ffnMix] = [
    layerWeights.w0,
    layerWeights.a0,
    layerWeights.kK,
    layerWeights.kA,
    layerWeights.rK,
    layerWeights.ffnMix,
  ].map((vector) => ops.permanent(vector));
  const v0 = valueResidual ? ops.permanent(valueResidual.v0) : 0;

  return {
    timeMix(x, tokenCount, segments, context) {
      const n = tokenCount * c;
      const xPrev = shiftSegments(x, segments, 'attShift', ops.vector(n), c);
      const mixed = ops.vector(MIXES.length * n);
      kernels.shiftMixes(x.ptr, xPrev.ptr, mixes, MIXES.length, n, c, mixed.ptr);
      const [xr, xw, xk, xv, xa, xg] = MIXES.map((_, i) => rowsOf(mixed, i * tokenCount, tokenCount, c));
      // One group for every product of the mixed inputs, one for the LoRA second halves (FastOps.matmuls).
      const firstHalves: ProductInput[] = [
        [receptance, xr],
        [key, xk],
        [value, xv],
        [w1, xw],
        [a1, xa],
        [g1, xg],
      ];
      if (valueResidual) firstHalves.push([valueResidual.v1, xv]);
      const [r, k, v, decayHidden, iclrHidden, gateHidden, valueHidden] = ops.matmuls(firstHalves, tokenCount);
      kernels.tanhs(decayHidden.ptr, decayHidden.data.length);
      kernels.sigmoids(gateHidden.ptr, 0, gateHidden.data.length, 0);
      const secondHalves: ProductInput[] = [
        [w2, decayHidden],
        [a2, iclrHidden],
        [g2, gateHidden],
      ];
      if (valueResidual) secondHalves.push([valueResidual.v2, valueHidden]);
      const [w, a, g, valueMix] = ops.matmuls(secondHalves, tokenCount);

      kernels.sigmoidDecays(w.ptr, w0, n, c);
      if (!valueResidual) {
        context.valueFirst.data.set(v.data);
      } else {
        kernels.residualMixes(v.ptr, context.valueFirst.ptr, valueMix.ptr, v0, n, c);
      }
      kernels.sigmoids(a.ptr, a0, n, c);

      const removal = ops.vector(n);
      const replacement = ops.vector(n);
      kernels.deltaKeys(k.ptr, a.ptr, kK, kA, n, c, headSize, removal.ptr, replacement.ptr);

      const y = ops.vector(n);
      for (const { first, count, state } of segments) {
        const [rs, ws, ks, vs, as, bs, ys] = [r, w, k, v, removal, replacement, y].map((part) =>
          rowsOf(part, first, count, c),
        );
        kernels.wkv7(count, c, headSize, rs.ptr, ws.ptr, ks.ptr, vs.ptr, as.ptr, bs.ptr, state.wkv.ptr, ys.ptr);
      }
      ops.normalize(y, c, lnX, GROUP_NORM_EPS, spec.nHead, y);
      kernels.bonusGates(y.ptr, r.ptr, k.ptr, v.ptr, rK, g.ptr, n, c, headSize);
      return ops.matmul(output, y, tokenCount);
    },
    channelMix(x, tokenCount, segments) {
      const n = tokenCount * c;
      const previous = shiftSegments(x, segments, 'ffnShift', ops.vector(n), c);
      const mixed = ops.vector(n);
      kernels.shiftMixes(x.ptr, previous.ptr, ffnMix, 1, n, c, mixed.ptr);
      const hidden = ops.matmul(ffnKey, mixed, tokenCount);
      kernels.squaredRelus(hidden.ptr, hidden.data.length);
      return ops.matmul(ffnValue, hidden, tokenCount);
    },
  };
};
