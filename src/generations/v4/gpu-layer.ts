/**
 * RWKV v4 layer on the GPU (cpu-layer.ts):
 *   xk, xv, xr = token-shift lerp mixes x·m + xPrev·(1 − m)  (att.time_mix_*)
 *   k = Wk·xk,  v = Wv·xv,  r = Wr·xr
 *   wkv = WKV4(k, v; time_first, time_decay)        state aa, bb, pp
 *   x += Wo·(σ(r) ⊙ wkv)
 * Ops per layer: time mix — ln1 + shift + save + the 3 mixes (one dispatch), 3 linears, wkv4 (with the gate σ(r) ⊙ wkv
 * folded in), output (accumulated);
 * channel mix — the gated FFN (gpu-channel-mix.ts).
 */
import { gatedChannelMix } from './gpu-channel-mix.js';
import { wkv4Kernel } from '../../gpu/kernels/wkv.js';
import { normMixOp, vectorMixes, wkvOp, type GpuLayerFactory } from '../../gpu/step/layer-ops.js';

export const createV4GpuLayer: GpuLayerFactory = (context, layer) => {
  const { spec, weights, builder, scratch } = context;
  const c = spec.nEmbed;
  const prefix = `blocks.${layer}.att.`;
  const matrix = (name: string) => weights.matrix(`${prefix}${name}.weight`, c, c);
  return {
    timeMix(norm) {
      const mixes = ['k', 'v', 'r'].map((m) => `${prefix}time_mix_${m}`);
      const { op: mixOp, planes } = normMixOp(context, layer, 'attShift', norm, vectorMixes(context, mixes, 'lerp'));
      const [xk, xv, xr] = planes;
      const k = scratch.get('att k', c);
      const v = scratch.get('att v', c);
      const r = scratch.get('att r', c);
      const gated = scratch.get('att gated', c);
      return [
        mixOp,
        builder.linear(matrix('key'), xk, k),
        builder.linear(matrix('value'), xv, v),
        builder.linear(matrix('receptance'), xr, r),
        wkvOp(context, layer, (shape) => wkv4Kernel(c, shape.sessions, shape.tokens), [
          weights.vector(`${prefix}time_first`, c),
          weights.vector(`${prefix}time_decay`, c),
          k,
          v,
          r,
          gated,
        ]),
        builder.linear(matrix('output'), gated, context.x, { accumulate: true }),
      ];
    },
    channelMix: (norm) => gatedChannelMix(context, layer, norm, 'lerp'),
  };
};
