/**
 * Seeded synthetic RWKV-4 blocks (src/generations/synthetic.ts draws the rest of the model), and the block pieces
 * v5 and v6 share with v4: the attention's square matrices and the receptance-gated channel mix.
 */
import type { ModelSpec, Tensor } from '../../model/spec.js';
import type { SyntheticTensors } from '../generation-module.js';

/** key, value, receptance, the gate when `gated`, output: [C, C] each. */
export function* attentionMatrices(draw: SyntheticTensors, att: string, c: number, gated: boolean): Generator<Tensor> {
  for (const m of ['key', 'value', 'receptance']) yield draw.matrix(`${att}${m}.weight`, c, c);
  if (gated) yield draw.matrix(`${att}gate.weight`, c, c);
  yield draw.matrix(`${att}output.weight`, c, c, 0.5);
}

/** The receptance-gated channel mix with mixes `<mixName>_k` / `_r` (time_mix for v4 / v5, time_maa for v6). */
export function* gatedChannelMixTensors(draw: SyntheticTensors, ffn: string, spec: ModelSpec, mixName: string) {
  const c = spec.nEmbed;
  yield draw.uniform(`${ffn}${mixName}_k`, [c], 0, 1);
  yield draw.uniform(`${ffn}${mixName}_r`, [c], 0, 1);
  yield draw.matrix(`${ffn}receptance.weight`, c, c);
  yield draw.matrix(`${ffn}key.weight`, spec.nFfn, c);
  yield draw.matrix(`${ffn}value.weight`, c, spec.nFfn, 0.5);
}

export function* syntheticV4Block(spec: ModelSpec, layer: number, draw: SyntheticTensors): Generator<Tensor> {
  const c = spec.nEmbed;
  const att = `blocks.${layer}.att.`;
  yield draw.derived(`${att}time_decay`, [c], -4, 1, (x) => -Math.exp(x));
  yield draw.uniform(`${att}time_first`, [c], -1, 1);
  for (const m of ['k', 'v', 'r']) yield draw.uniform(`${att}time_mix_${m}`, [c], 0, 1);
  yield* attentionMatrices(draw, att, c, false);
  yield* gatedChannelMixTensors(draw, `blocks.${layer}.ffn.`, spec, 'time_mix');
}
