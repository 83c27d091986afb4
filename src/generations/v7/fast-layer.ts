/**
 * RWKV v7 layer for the fast CPU backend: the math of cpu-layer.ts (the oracle; see its header) step for step, with
 * the matrix products, the GroupNorm and the WKV7 recurrence in the WebAssembly kernels (src/wasm/) over heap
 * vectors and compact weights, and the element-wise steps as the oracle's own functions writing into heap views.
 */
import { row } from '../../cpu/layer.js';
import { add, l2NormalizeHeads, mul, shiftMix, sigmoid, squaredRelu, tanh } from '../../cpu/ops.js';
import { rowsOf, shiftSegments, type FastLayerFactory, type FastScratchEstimate } from '../../wasm/layer.js';
import type { Vec } from '../../wasm/heap.js';
import { MIXES, v7LayerWeights } from './layer-weights.js';

const GROUP_NORM_EPS = 64e-5;
/** e^−½ (see cpu-layer.ts). */
const DECAY_SCALE = Math.exp(-0.5);

/** Scratch per layer: 22 [T, C] vectors in the time-mix (≤ 4 LoRA hidden ones), 3 plus [T, F] in the channel-mix. */
export const v7FastScratchFloats: FastScratchEstimate = (spec, tokens) => {
  const lora = Math.max(...Object.values(spec.lora).filter((width): width is number => width !== undefined), 0);
  return tokens * (22 * spec.nEmbed + 4 * lora + Math.max(3 * spec.nEmbed + spec.nFfn, 0)) + 64 * 16;
};

export const createV7FastLayer: FastLayerFactory = (weights, spec, layer, ops) => {
  const c = spec.nEmbed;
  const headSize = spec.headSize;
  const layerWeights = v7LayerWeights(weights, spec, layer);
  const { mixes, w0, a0, kK, kA, rK, w1, w2, a1, a2, g1, g2, valueResidual } = layerWeights;
  const { key, value, receptance, output, lnXWeight, lnXBias, ffnMix, ffnKey, ffnValue } = layerWeights;
  const lnX = ops.heapNorm(lnXWeight, lnXBias);

  /** σ(base + x) in place. */
  function sigmoidPlus(x: Vec, base: Float32Array): Vec {
    sigmoid(add(x.data, base, x.data), x.data);
    return x;
  }

  return {
    timeMix(x, tokenCount, segments, context) {
      const n = tokenCount * c;
      const xPrev = shiftSegments(x, segments, 'attShift', ops.vector(n), c);
      const [xr, xw, xk, xv, xa, xg] = MIXES.map((_, i) => {
        const mixed = ops.vector(n);
        shiftMix(x.data, xPrev.data, row(mixes, i, c), mixed.data);
        return mixed;
      });
      const r = ops.matmul(receptance, xr, tokenCount);
      const k = ops.matmul(key, xk, tokenCount);
      const v = ops.matmul(value, xv, tokenCount);

      const decayHidden = ops.matmul(w1, xw, tokenCount);
      tanh(decayHidden.data, decayHidden.data);
      const w = sigmoidPlus(ops.matmul(w2, decayHidden, tokenCount), w0);
      for (let i = 0; i < n; i++) w.data[i] = Math.exp(-DECAY_SCALE * w.data[i]);

      if (!valueResidual) {
        context.valueFirst.data.set(v.data);
      } else {
        const first = context.valueFirst.data;
        const mix = sigmoidPlus(
          ops.matmul(valueResidual.v2, ops.matmul(valueResidual.v1, xv, tokenCount), tokenCount),
          valueResidual.v0,
        );
        for (let i = 0; i < n; i++) v.data[i] += (first[i] - v.data[i]) * mix.data[i];
      }

      const a = sigmoidPlus(ops.matmul(a2, ops.matmul(a1, xa, tokenCount), tokenCount), a0);
      const gateHidden = ops.matmul(g1, xg, tokenCount);
      sigmoid(gateHidden.data, gateHidden.data);
      const g = ops.matmul(g2, gateHidden, tokenCount);

      const kk = ops.vector(n);
      l2NormalizeHeads(mul(k.data, kK, kk.data), headSize, undefined, kk.data);
      for (let i = 0; i < n; i++) k.data[i] *= 1 + (a.data[i] - 1) * kA[i % c];
      const removal = ops.vector(n);
      const replacement = ops.vector(n);
      for (let i = 0; i < n; i++) {
        removal.data[i] = -kk.data[i];
        replacement.data[i] = kk.data[i] * a.data[i];
      }

      const y = ops.vector(n);
      for (const { first, count, state } of segments) {
        const [rs, ws, ks, vs, as, bs, ys] = [r, w, k, v, removal, replacement, y].map((part) =>
          rowsOf(part, first, count, c),
        );
        ops.kernels.wkv7(count, c, headSize, rs.ptr, ws.ptr, ks.ptr, vs.ptr, as.ptr, bs.ptr, state.wkv.ptr, ys.ptr);
      }
      ops.normalize(y, c, lnX, GROUP_NORM_EPS, spec.nHead, y);
      for (let t = 0; t < tokenCount; t++) {
        for (let h = 0; h < spec.nHead; h++) {
          const base = t * c + h * headSize;
          let bonus = 0;
          for (let j = 0; j < headSize; j++) bonus += r.data[base + j] * k.data[base + j] * rK[h * headSize + j];
          for (let i = 0; i < headSize; i++) y.data[base + i] += bonus * v.data[base + i];
        }
      }
      mul(y.data, g.data, y.data);
      return ops.matmul(output, y, tokenCount);
    },
    channelMix(x, tokenCount, segments) {
      const n = tokenCount * c;
      const mixed = shiftSegments(x, segments, 'ffnShift', ops.vector(n), c);
      shiftMix(x.data, mixed.data, ffnMix, mixed.data);
      const hidden = ops.matmul(ffnKey, mixed, tokenCount);
      squaredRelu(hidden.data, hidden.data);
      return ops.matmul(ffnValue, hidden, tokenCount);
    },
  };
};
