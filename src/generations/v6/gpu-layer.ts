/**
 * RWKV v6 (Finch) layer on the GPU (cpu-layer.ts):
 *   xxx = x + (xPrev − x) ⊙ time_maa_x
 *   h = tanh(W1 · xxx)                                        W1 = time_maa_w1 [5·D, C], one linear
 *   for i in w, k, v, r, g:  x_i = x + (xPrev − x) ⊙ (time_maa_i + W2_i · h_i)
 *                            (h_i: columns i·D … of h; W2_i = time_maa_w2[i])
 *   r = Wr·x_r,  k = Wk·x_k,  v = Wv·x_v,  g = Wg·x_g
 *   w = exp(−exp(time_decay + Wd2 · tanh(Wd1 · x_w)))       (Wd1 a linear, the rest in the WKV dispatch)
 *   y = WKV6(r, k, v; w per token, u = time_faaaa)          (shaders/wkv5.wgsl, lib/wkv5-decay-lora.wgsl)
 *   x += Wo·(SiLU(g) ⊙ GroupNorm_H(y; ln_x, eps 64e-5))
 * Ops per layer: time mix — ln1 + shift + save + the xxx mix (one dispatch: the normed rows and their previous rows
 * kept), W1 (tanh), W2 + the 5 data-dependent mixes (one per-channel dispatch, shaders/data-dependent-mix.wgsl), the 4
 * linears r, k, v, g and the decay's W1 (tanh) in one grouped linear, wkv5 (with the decay's W2, the decay, group norm
 * and gate folded in), output (accumulated); channel mix — the gated FFN with time_maa_k / time_maa_r.
 */
import { partBinding } from '../../gpu/gpu-matrix.js';
import { dataDependentMixKernel } from '../../gpu/kernels/data-dependent-mix.js';
import { gatedChannelMix } from '../v4/gpu-channel-mix.js';
import { wkv5Kernel } from '../../gpu/kernels/wkv.js';
import { rowsOp, normMixOp, stageOp, wkvHeads, wkvOp, type GpuLayerFactory } from '../../gpu/step/layer-ops.js';

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
  /** A LoRA matrix that one kernel reads whole, as the binding of its one part and its format. */
  const unsplit = (name: string, rows: number, columns: number) => {
    const { parts, format } = weights.matrix(name, rows, columns);
    if (parts.length !== 1) throw new RangeError(`${name} is split across bindings; it is read as one`);
    return { binding: partBinding(parts[0]), format };
  };
  return {
    timeMix(norm) {
      const { op: baseOp, planes: base } = normMixOp(context, layer, 'attShift', norm, {
        weights: weights.vector(`${prefix}time_maa_x`, c),
        count: 1,
        keepNormed: true,
      });
      const [normed, , xxx] = base;
      const hidden = scratch.get('lora hidden', MIXES.length * mixWidth);
      const maaW2 = unsplit(`${prefix}time_maa_w2`, MIXES.length * c, mixWidth);
      const maa = weights.stack(
        MIXES.map((name) => `${prefix}time_maa_${name}`),
        c,
      );
      const mixes = scratch.planes('att mixes', c, MIXES.length);
      const [xw, xk, xv, xr, xg] = mixes.planes;
      const dataDependentMixOp = rowsOp(
        context,
        (rows) =>
          dataDependentMixKernel({
            channels: c,
            rows,
            mixes: MIXES.length,
            loraWidth: mixWidth,
            format: maaW2.format,
            planeStride: mixes.stride,
          }),
        [maaW2.binding, { ...normed, size: 2 * mixes.stride * 4 }, hidden, maa, mixes.buffer],
      );
      // The WKV's inputs r, k, v, g and the decay LoRA's hidden: planes of one buffer (shaders/lib/wkv5-bindings.wgsl).
      const { buffer: wkvInputs, stride, planes } = scratch.planes('att wkv inputs', c, 5);
      const [r, k, v, g, decayHidden] = planes;
      const decayW2 = unsplit(`${prefix}time_decay_w2`, c, decayWidth);
      const out = scratch.get('att gated', c);
      return [
        baseOp,
        builder.linear(weights.matrix(`${prefix}time_maa_w1`, MIXES.length * mixWidth, c), xxx, hidden, {
          activation: 'tanh',
        }),
        dataDependentMixOp,
        stageOp(context, [
          { name: `${prefix}receptance.weight`, rows: c, columns: c, x: xr, y: r },
          { name: `${prefix}key.weight`, rows: c, columns: c, x: xk, y: k },
          { name: `${prefix}value.weight`, rows: c, columns: c, x: xv, y: v },
          { name: `${prefix}gate.weight`, rows: c, columns: c, x: xg, y: g },
          { name: `${prefix}time_decay_w1`, rows: decayWidth, columns: c, x: xw, y: decayHidden, activation: 'tanh' },
        ]),
        wkvOp(
          context,
          layer,
          (shape) =>
            wkv5Kernel({
              ...wkvHeads(spec, shape),
              decayLora: { width: decayWidth, format: decayW2.format },
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
            decayW2.binding,
          ],
        ),
        builder.linear(matrix('output'), out, context.x, { accumulate: true }),
      ];
    },
    channelMix: (norm) => gatedChannelMix(context, layer, norm, 'shift'),
  };
};
