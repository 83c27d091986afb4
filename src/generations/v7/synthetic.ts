/** Seeded synthetic RWKV-7 blocks: six stacked mixes, four LoRA pairs (the value residual from block 1 on). */
import type { ModelSpec, Tensor } from '../../model/spec.js';
import type { SyntheticTensors } from '../generation-module.js';
import { attentionMatrices } from '../v4/synthetic.js';

export function* syntheticV7Block(spec: ModelSpec, layer: number, draw: SyntheticTensors): Generator<Tensor> {
  const { nEmbed: c, nHead: h, headSize: s, lora } = spec;
  const att = `blocks.${layer}.att.`;
  const ffn = `blocks.${layer}.ffn.`;
  yield draw.uniform(`${att}x_rwkvag`, [6, c], 0, 1);
  yield draw.uniform(`${att}w0`, [c], -2, 1);
  yield draw.uniform(`${att}a0`, [c], -1, 1);
  yield draw.uniform(`${att}k_k`, [c], 0.5, 1.5);
  yield draw.uniform(`${att}k_a`, [c], 0.5, 1.5);
  yield draw.uniform(`${att}r_k`, [h, s], -0.5, 0.5);
  const loras: [string, number | undefined][] = [
    ['w', lora.decay],
    ['a', lora.iclr],
    ['g', lora.gate],
  ];
  if (layer > 0) loras.push(['v', lora.valueResidual]);
  for (const [name, width = 0] of loras) {
    yield draw.matrix(`${att}${name}1`, width, c, 0.5);
    yield draw.matrix(`${att}${name}2`, c, width, 0.5);
  }
  if (layer > 0) yield draw.uniform(`${att}v0`, [c], -1, 1);
  yield* draw.norm(`${att}ln_x`);
  yield* attentionMatrices(draw, att, c, false);
  yield draw.uniform(`${ffn}x_k`, [c], 0, 1);
  yield draw.matrix(`${ffn}key.weight`, spec.nFfn, c);
  yield draw.matrix(`${ffn}value.weight`, c, spec.nFfn, 0.5);
}
