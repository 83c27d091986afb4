/**
 * RWKV v4 layer on the GPU (cpu-layer.ts):
 *   xk, xv, xr = token-shift lerp mixes x·m + xPrev·(1 − m)  (att.time_mix_*)
 *   k = Wk·xk,  v = Wv·xv,  r = Wr·xr
 *   wkv = WKV4(k, v; time_first, time_decay)        state aa, bb, pp
 *   x += Wo·(σ(r) ⊙ wkv)
 * Ops per layer: time mix — ln1 + shift + save + the 3 mixes (one dispatch), the 3 linears (one grouped), wkv4 (with the gate σ(r) ⊙ wkv
 * folded in), output (accumulated);
 * channel mix — the gated FFN (gpu-channel-mix.ts).
 */
import { gatedChannelMix } from './gpu-channel-mix.js';
import { wkv4Kernel } from '../../gpu/kernels/wkv.js';
import { normMixOp, stageOp, vectorMixes, wkvOp, type GpuLayerFactory } from '../../gpu/step/layer-ops.js';

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
      const [k, v, r] = scratch.planes('att k v r', c, 3).planes;
      const att = (name: string) => `${prefix}${name}.weight`;
      const gated = scratch.get('att gated', c);
      return [
        mixOp,
        stageOp(context, [
          { name: att('key'), rows: c, columns: c, x: xk, y: k },
          { name: att('value'), rows: c, columns: c, x: xv, y: v },
          { name: att('receptance'), rows: c, columns: c, x: xr, y: r },
        ]),
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
