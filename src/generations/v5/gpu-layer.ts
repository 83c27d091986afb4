/**
 * RWKV v5.1 / v5.2 layer on the GPU (cpu-layer.ts):
 *   xk, xv, xr (, xg) = token-shift lerp mixes x·m + xPrev·(1 − m)  (att.time_mix_*)
 *   r = Wr·xr,  k = Wk·xk,  v = Wv·xv
 *   y = WKV5(r, k, v; time_decay, bonus)    5.1: per-head time_decay and time_first [H]; 5.2: time_faaaa [H, S]
 *   y = GroupNorm_H(y; ln_x, eps 1e-5)
 *   5.2: y = SiLU(Wg·xg) ⊙ y
 *   x += Wo·y
 * Ops per layer: time mix — ln1 + shift + save + the 3 (5.2: 4) mixes (one dispatch), the 3 (4) linears (one
 * grouped linear),
 * wkv5 (with the group norm and the 5.2 gate folded in), output (accumulated); channel mix — the gated FFN
 * (../v4/gpu-channel-mix.ts).
 */
import { gatedChannelMix } from '../v4/gpu-channel-mix.js';
import { wkv5Kernel } from '../../gpu/kernels/wkv.js';
import { normMixOp, stageOp, vectorMixes, wkvHeads, wkvOp, type GpuLayerFactory } from '../../gpu/step/layer-ops.js';

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
    const mixes = (gated ? ['k', 'v', 'r', 'g'] : ['k', 'v', 'r']).map((m) => `${prefix}time_mix_${m}`);
    return {
      timeMix(norm) {
        const { op: mixOp, planes: mixed } = normMixOp(
          context,
          layer,
          'attShift',
          norm,
          vectorMixes(context, mixes, 'lerp'),
        );
        const [xk, xv, xr, xg] = mixed;
        // The WKV's inputs r, k, v (, g): planes of one buffer (shaders/lib/wkv5-bindings.wgsl).
        const { buffer: wkvInputs, stride, planes } = scratch.planes('att wkv inputs', c, mixed.length);
        const [r, k, v, g] = planes;
        const out = scratch.get('att gated', c);
        const linear = (name: string, x: GPUBufferBinding, y: GPUBufferBinding) => ({
          name: `${prefix}${name}.weight`,
          rows: c,
          columns: c,
          x,
          y,
        });
        return [
          mixOp,
          stageOp(context, [
            linear('receptance', xr, r),
            linear('key', xk, k),
            linear('value', xv, v),
            ...(gated ? [linear('gate', xg, g)] : []),
          ]),
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
