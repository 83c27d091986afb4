/** Seeded synthetic RWKV-6 blocks: the data-dependent token shift and decay with small LoRA weights. */
import type { ModelSpec, Tensor } from '../../model/spec.js';
import type { SyntheticTensors } from '../generation-module.js';
import { attentionMatrices, gatedChannelMixTensors } from '../v4/synthetic.js';

export function* syntheticV6Block(spec: ModelSpec, layer: number, draw: SyntheticTensors): Generator<Tensor> {
  const { nEmbed: c, nHead: h, headSize: s, lora } = spec;
  const att = `blocks.${layer}.att.`;
  const dm = lora.mix ?? 0;
  const dd = lora.decay ?? 0;
  for (const m of ['x', 'w', 'k', 'v', 'r', 'g']) yield draw.uniform(`${att}time_maa_${m}`, [c], 0, 1);
  yield draw.matrix(`${att}time_maa_w1`, 5 * dm, c, 0.5);
  yield draw.uniform(`${att}time_maa_w2`, [5, c, dm], -0.1, 0.1);
  yield draw.uniform(`${att}time_decay`, [h, s], -3, 0);
  yield draw.matrix(`${att}time_decay_w1`, dd, c, 0.5);
  yield draw.matrix(`${att}time_decay_w2`, c, dd, 0.5);
  yield draw.uniform(`${att}time_faaaa`, [h, s], -0.5, 0.5);
  yield* draw.norm(`${att}ln_x`);
  yield* attentionMatrices(draw, att, c, true);
  yield* gatedChannelMixTensors(draw, `blocks.${layer}.ffn.`, spec, 'time_maa');
}
