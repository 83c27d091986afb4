/**
 * RWKV v5.1 / v5.2 layer on the GPU (cpu-layer.ts):
 *   xk, xv, xr (, xg) = token-shift lerp mixes x·m + xPrev·(1 − m)  (att.time_mix_*)
 *   r = Wr·xr,  k = Wk·xk,  v = Wv·xv
 *   y = WKV5(r, k, v; time_decay, bonus)    5.1: per-head time_decay and time_first [H]; 5.2: time_faaaa [H, S]
 *   y = GroupNorm_H(y; ln_x, eps 1e-5)
 *   5.2: y = SiLU(Wg·xg) ⊙ y
 *   x += Wo·y
 * Ops per layer: time mix — ln1 + shift + save (one dispatch), 3 (5.2: 4) mixes, 3 (4) linears, wkv5, group norm, (5.2: gate), output
 * (accumulated); channel mix — the gated FFN (../v4/gpu-channel-mix.ts).
 */
import { gateKernel } from '../../gpu/kernels/gate.js';
import { gatedChannelMix } from '../v4/gpu-channel-mix.js';
import { wkv5Kernel } from '../../gpu/kernels/wkv.js';
import {
  normOp,
  rowsOp,
  normShiftOp,
  tokenMixOp,
  wkvHeads,
  wkvOp,
  type GpuLayerFactory,
} from '../../gpu/step/layer-ops.js';
import type { StepOp } from '../../gpu/step/step-builder.js';

const GROUP_NORM_EPS = 1e-5;

/** The v5 layer: 5.1 without the gate (`gated` false), 5.2 with it. */
export const createV5GpuLayer =
  (gated: boolean): GpuLayerFactory =>
  (context, layer) => {
    const { spec, weights, builder, scratch } = context;
    const c = spec.nEmbed;
    const heads = spec.nHead;
    const prefix = `blocks.${layer}.att.`;
    const matrix = (name: string) => weights.matrix(`${prefix}${name}.weight`, c, c);
    const perHead = gated ? c : heads;
    return {
      timeMix(norm) {
        const { op: shiftOp, normed: input, shifted } = normShiftOp(context, layer, 'attShift', norm);
        const mix = (m: string) =>
          tokenMixOp(context, input, shifted, weights.vector(`${prefix}time_mix_${m}`, c), `att x${m}`, 'lerp');
        const [xk, xv, xr] = [mix('k'), mix('v'), mix('r')];
        const r = scratch.get('att r', c);
        const k = scratch.get('att k', c);
        const v = scratch.get('att v', c);
        const y = scratch.get('att wkv', c);
        const normed = scratch.get('att normed', c);
        const ops: StepOp[] = [
          shiftOp,
          xk.op,
          xv.op,
          xr.op,
          builder.linear(matrix('receptance'), xr.out, r),
          builder.linear(matrix('key'), xk.out, k),
          builder.linear(matrix('value'), xv.out, v),
          wkvOp(
            context,
            layer,
            (shape) =>
              wkv5Kernel({
                ...wkvHeads(spec, shape),
                paramsPerHead: !gated,
              }),
            [
              weights.vector(`${prefix}${gated ? 'time_faaaa' : 'time_first'}`, perHead),
              weights.vector(`${prefix}time_decay`, perHead),
              r,
              k,
              v,
              y,
            ],
          ),
          normOp(context, `${prefix}ln_x`, y, normed, heads, GROUP_NORM_EPS),
        ];
        if (!gated) return [...ops, builder.linear(matrix('output'), normed, context.x, { accumulate: true })];
        const xg = mix('g');
        const g = scratch.get('att g', c);
        const out = scratch.get('att gated', c);
        return [
          ...ops,
          xg.op,
          builder.linear(matrix('gate'), xg.out, g),
          rowsOp(context, (rows) => gateKernel({ channels: c, rows, activation: 'silu' }), [g, normed, out]),
          builder.linear(matrix('output'), out, context.x, { accumulate: true }),
        ];
      },
      channelMix: (norm) => gatedChannelMix(context, layer, norm, 'lerp'),
    };
  };
