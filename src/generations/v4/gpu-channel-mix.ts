/**
 * The receptance-gated channel mix (FFN) of v4, v5 and v6 on the GPU (cpu-channel-mix.ts):
 *   xk, xr = token-shift mixes of the input (v4 / v5: lerp with ffn.time_mix_*; v6: shift form with ffn.time_maa_*)
 *   x += σ(Wr·xr) ⊙ (Wv · max(Wk·xk, 0)²)
 * Ops: ln2 + shift + save + the 2 mixes (one dispatch), key (squared-ReLU epilogue) and receptance (one grouped
 * linear), value, gate (σ, accumulated into x).
 */
import { gateKernel } from '../../gpu/kernels/gate.js';
import { rowsOp, normMixOp, stageOp, vectorMixes, type LayerContext } from '../../gpu/step/layer-ops.js';
import type { StepOp } from '../../gpu/step/step-builder.js';

export function gatedChannelMix(context: LayerContext, layer: number, norm: string, form: 'lerp' | 'shift'): StepOp[] {
  const mixName = form === 'lerp' ? 'time_mix' : 'time_maa';
  const { spec, weights, builder, scratch } = context;
  const c = spec.nEmbed;
  const prefix = `blocks.${layer}.ffn.`;
  const mixes = ['k', 'r'].map((m) => `${prefix}${mixName}_${m}`);
  const { op: mixOp, planes } = normMixOp(context, layer, 'ffnShift', norm, vectorMixes(context, mixes, form));
  const [xk, xr] = planes;
  const hidden = scratch.get('ffn hidden', spec.nFfn);
  const kv = scratch.get('ffn kv', c);
  const r = scratch.get('ffn r', c);
  return [
    mixOp,
    stageOp(context, [
      { name: `${prefix}key.weight`, rows: spec.nFfn, columns: c, x: xk, y: hidden, activation: 'squaredRelu' },
      { name: `${prefix}receptance.weight`, rows: c, columns: c, x: xr, y: r },
    ]),
    builder.linear(weights.matrix(`${prefix}value.weight`, c, spec.nFfn), hidden, kv),
    rowsOp(context, (rows) => gateKernel(c, rows), [r, kv, context.x]),
  ];
}
