/**
 * RWKV v5.1 / v5.2 layer on the GPU (cpu-layer.ts):
 *   xk, xv, xr (, xg) = token-shift lerp mixes x·m + xPrev·(1 − m)  (att.time_mix_*)
 *   r = Wr·xr,  k = Wk·xk,  v = Wv·xv
 *   y = WKV5(r, k, v; time_decay, bonus)    5.1: per-head time_decay and time_first [H]; 5.2: time_faaaa [H, S]
 *   y = GroupNorm_H(y; ln_x, eps 1e-5)
 *   5.2: y = SiLU(Wg·xg) ⊙ y
 *   x += Wo·y
 * Ops per layer: time mix — ln1 + shift + save (one dispatch; 5.1: with its 3 mixes), (5.2: 4 mixes), 3 (4) linears,
 * wkv5 (with the group norm and the 5.2 gate folded in), output (accumulated); channel mix — the gated FFN
 * (../v4/gpu-channel-mix.ts).
 */
import { gatedChannelMix } from '../v4/gpu-channel-mix.js';
import { wkv5Kernel } from '../../gpu/kernels/wkv.js';
import { normMixOp, normShiftOp, tokenMixOp, wkvHeads, wkvOp, type GpuLayerFactory } from '../../gpu/step/layer-ops.js';
import type { Binding } from '../../gpu/kernel-runner.js';
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
    const mixWeight = (m: string) => weights.vector(`${prefix}time_mix_${m}`, c);
    /**
     * ln1 and the lerp mixes xk, xv, xr (, xg): 5.1's three inside the norm-shift-mix dispatch; 5.2's four exceed its
     * bindings, so they run one by one after it.
     */
    const timeMixes = (norm: string): { ops: StepOp[]; mixed: Binding[] } => {
      if (!gated) {
        const { op, planes } = normMixOp(context, layer, 'attShift', norm, {
          weights: [mixWeight('k'), mixWeight('v'), mixWeight('r')],
          count: 3,
          form: 'lerp',
        });
        return { ops: [op], mixed: planes };
      }
      const { op, normed, shifted } = normShiftOp(context, layer, 'attShift', norm);
      const mixes = ['k', 'v', 'r', 'g'].map((m) =>
        tokenMixOp(context, normed, shifted, mixWeight(m), `att x${m}`, 'lerp'),
      );
      return { ops: [op, ...mixes.map((mix) => mix.op)], mixed: mixes.map((mix) => mix.out) };
    };
    return {
      timeMix(norm) {
        const { ops: mixOps, mixed } = timeMixes(norm);
        const [xk, xv, xr, xg] = mixed;
        // The WKV's inputs r, k, v (, g): planes of one buffer (shaders/lib/wkv5-bindings.wgsl).
        const { buffer: wkvInputs, stride, planes } = scratch.planes('att wkv inputs', c, mixed.length);
        const [r, k, v, g] = planes;
        const out = scratch.get('att gated', c);
        return [
          ...mixOps,
          builder.linear(matrix('receptance'), xr, r),
          builder.linear(matrix('key'), xk, k),
          builder.linear(matrix('value'), xv, v),
          ...(gated ? [builder.linear(matrix('gate'), xg, g)] : []),
          wkvOp(
            context,
            layer,
            (shape) =>
              wkv5Kernel({
                ...wkvHeads(spec, shape),
                paramsPerHead: !gated,
                gated,
                planeStride: stride,
                eps: GROUP_NORM_EPS,
              }),
            [
              weights.vector(`${prefix}${gated ? 'time_faaaa' : 'time_first'}`, perHead),
              weights.vector(`${prefix}time_decay`, perHead),
              wkvInputs,
              weights.vector(`${prefix}ln_x.weight`, c),
              weights.vector(`${prefix}ln_x.bias`, c),
              out,
            ],
          ),
          builder.linear(matrix('output'), out, context.x, { accumulate: true }),
        ];
      },
      channelMix: (norm) => gatedChannelMix(context, layer, norm, 'lerp'),
    };
  };
