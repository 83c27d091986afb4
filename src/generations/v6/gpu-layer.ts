/**
 * RWKV v6 (Finch) layer on the GPU (cpu-layer.ts):
 *   xxx = x + (xPrev − x) ⊙ time_maa_x
 *   h = tanh(W1 · xxx)                                        W1 = time_maa_w1 [5·D, C], one linear
 *   for i in w, k, v, r, g:  x_i = x + (xPrev − x) ⊙ (time_maa_i + W2_i · h_i)
 *                            (h_i: columns i·D … of h; W2_i = time_maa_w2[i]: the five in one grouped linear)
 *   r = Wr·x_r,  k = Wk·x_k,  v = Wv·x_v,  g = Wg·x_g
 *   w = exp(−exp(time_decay + Wd2 · tanh(Wd1 · x_w)))       (in the WKV dispatch)
 *   y = WKV6(r, k, v; w per token, u = time_faaaa)          (shaders/wkv5.wgsl, DECAY_PER_TOKEN)
 *   x += Wo·(SiLU(g) ⊙ GroupNorm_H(y; ln_x, eps 64e-5))
 * Ops per layer: time mix — ln1 + shift + save (one dispatch), 1 mix, the LoRA's 2 linears (the second grouped), 5 data-dependent mixes
 * (each reading its plane of the grouped output), 4 linears, 2 decay linears,
 * wkv5 (with the group norm and gate folded in), output (accumulated); channel mix — the gated FFN with time_maa_k /
 * time_maa_r.
 */
import { tokenMixKernel } from '../../gpu/kernels/token-mix.js';
import { gatedChannelMix } from '../v4/gpu-channel-mix.js';
import { wkv5Kernel } from '../../gpu/kernels/wkv.js';
import { rowsOp, normShiftOp, tokenMixOp, wkvHeads, wkvOp, type GpuLayerFactory } from '../../gpu/step/layer-ops.js';
import type { StepOp } from '../../gpu/step/step-builder.js';

const GROUP_NORM_EPS = 64e-5;
/** The five data-dependent mixes, in the order of time_maa_w1's row blocks and time_maa_w2's matrices. */
const MIXES = ['w', 'k', 'v', 'r', 'g'] as const;

export const createV6GpuLayer: GpuLayerFactory = (context, layer) => {
  const { spec, weights, builder, scratch } = context;
  const c = spec.nEmbed;
  const mixWidth = spec.lora.mix ?? 0;
  const decayWidth = spec.lora.decay ?? 0;
  const prefix = `blocks.${layer}.att.`;
  const matrix = (name: string) => weights.matrix(`${prefix}${name}.weight`, c, c);
  return {
    timeMix(norm) {
      const { op: shiftOp, normed: input, shifted } = normShiftOp(context, layer, 'attShift', norm);
      const base = tokenMixOp(context, input, shifted, weights.vector(`${prefix}time_maa_x`, c), 'att xxx');
      const hidden = scratch.get('lora hidden', MIXES.length * mixWidth);
      const offsets = scratch.get('lora out', MIXES.length * c);
      const mixOps: StepOp[] = [
        builder.linear(weights.matrix(`${prefix}time_maa_w1`, MIXES.length * mixWidth, c), base.out, hidden, {
          activation: 'tanh',
        }),
        builder.linear(weights.matrix(`${prefix}time_maa_w2`, MIXES.length * c, mixWidth), hidden, offsets, {
          groups: MIXES.length,
        }),
      ];
      const mixed = MIXES.map((name, i) => {
        const out = scratch.get(`att x${name}`, c);
        mixOps.push(
          rowsOp(context, (rows) => tokenMixKernel({ channels: c, rows, dataDependent: true, offsetPlane: i }), [
            input,
            shifted,
            weights.vector(`${prefix}time_maa_${name}`, c),
            out,
            offsets,
          ]),
        );
        return out;
      });
      const [xw, xk, xv, xr, xg] = mixed;
      // The WKV's inputs r, k, v, g and the decay LoRA's output: planes of one buffer (shaders/lib/wkv5-bindings.wgsl).
      const { buffer: wkvInputs, stride, planes } = scratch.planes('att wkv inputs', c, 5);
      const [r, k, v, g, decayLora] = planes;
      const decayHidden = scratch.get('lora hidden', decayWidth);
      const out = scratch.get('att gated', c);
      return [
        shiftOp,
        base.op,
        ...mixOps,
        builder.linear(matrix('receptance'), xr, r),
        builder.linear(matrix('key'), xk, k),
        builder.linear(matrix('value'), xv, v),
        builder.linear(matrix('gate'), xg, g),
        builder.linear(weights.matrix(`${prefix}time_decay_w1`, decayWidth, c), xw, decayHidden, {
          activation: 'tanh',
        }),
        builder.linear(weights.matrix(`${prefix}time_decay_w2`, c, decayWidth), decayHidden, decayLora),
        wkvOp(
          context,
          layer,
          (shape) =>
            wkv5Kernel({
              ...wkvHeads(spec, shape),
              decayPerToken: true,
              gated: true,
              planeStride: stride,
              eps: GROUP_NORM_EPS,
            }),
          [
            weights.vector(`${prefix}time_faaaa`, c),
            weights.vector(`${prefix}time_decay`, c),
            wkvInputs,
            weights.vector(`${prefix}ln_x.weight`, c),
            weights.vector(`${prefix}ln_x.bias`, c),
            out,
          ],
        ),
        builder.linear(matrix('output'), out, context.x, { accumulate: true }),
      ];
    },
    channelMix: (norm) => gatedChannelMix(context, layer, norm, 'shift'),
  };
};
