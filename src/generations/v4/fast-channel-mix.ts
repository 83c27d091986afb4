/**
 * The receptance-gated channel mix of v4, v5 and v6 for the fast CPU backend: cpu-channel-mix.ts (the oracle; see
 * its header) step for step, the three matrix products in the WebAssembly kernels over compact weights (the key and
 * the receptance as one group: FastOps.matmuls).
 */
import { mul, sigmoid, squaredRelu } from '../../cpu/ops.js';
import type { ModelSpec } from '../../model/spec.js';
import { shiftSegments, type FastMixers } from '../../wasm/layer.js';
import { quantizedInputFloats, type FastOps } from '../../wasm/ops.js';
import type { FastWeights } from '../../wasm/weights.js';
import { gatedChannelMixWeights, type ChannelMixForm } from './gated-channel-mix-weights.js';

/** Floats of scratch one call takes: 5 [T, C] vectors, the [T, F] hidden one, the quantized x of its first group. */
export function gatedChannelMixFloats(spec: ModelSpec, tokens: number): number {
  return tokens * (5 * spec.nEmbed + spec.nFfn) + quantizedInputFloats(2, spec.nEmbed, tokens);
}

export function createGatedFastChannelMix(
  weights: FastWeights,
  spec: ModelSpec,
  layer: number,
  ops: FastOps,
  form: ChannelMixForm,
): FastMixers['channelMix'] {
  const c = spec.nEmbed;
  const { mixK, mixR, key, value, receptance, mix } = gatedChannelMixWeights(weights, spec, layer, form);
  return (x, tokenCount, segments) => {
    const n = tokenCount * c;
    const xPrev = shiftSegments(x, segments, 'ffnShift', ops.vector(n), c);
    const xk = ops.vector(n);
    const xr = ops.vector(n);
    mix(x.data, xPrev.data, mixK, xk.data);
    mix(x.data, xPrev.data, mixR, xr.data);
    const [k, r] = ops.matmuls(
      [
        [key, xk],
        [receptance, xr],
      ],
      tokenCount,
    );
    squaredRelu(k.data, k.data);
    sigmoid(r.data, r.data);
    const out = ops.matmul(value, k, tokenCount);
    return { ptr: out.ptr, data: mul(r.data, out.data, out.data) };
  };
}
