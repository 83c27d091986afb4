/** Seeded synthetic RWKV-5.1 and 5.2 blocks (decays and bonuses in the ranges of trained models). */
import type { ModelSpec, Tensor } from '../../model/spec.js';
import type { SyntheticTensors } from '../generation-module.js';
import { attentionMatrices, gatedChannelMixTensors } from '../v4/synthetic.js';

const expNegExp = (x: number) => Math.exp(-Math.exp(x));

/** The v5 block: 5.1 (`gated` false: per-head decay and time_first) or 5.2 (per-channel, time_faaaa, the gate). */
export const syntheticV5Block = (gated: boolean) =>
  function* (spec: ModelSpec, layer: number, draw: SyntheticTensors): Generator<Tensor> {
    const { nEmbed: c, nHead: h, headSize: s } = spec;
    const att = `blocks.${layer}.att.`;
    if (gated) {
      yield draw.derived(`${att}time_decay`, [h, s], -3, 0.5, expNegExp);
      yield draw.uniform(`${att}time_faaaa`, [h, s], -0.5, 0.5);
    } else {
      yield draw.derived(`${att}time_decay`, [h], -3, 0.5, expNegExp);
      yield draw.derived(`${att}time_first`, [h], -1, 0.5, Math.exp);
    }
    for (const m of gated ? ['k', 'v', 'r', 'g'] : ['k', 'v', 'r']) {
      yield draw.uniform(`${att}time_mix_${m}`, [c], 0, 1);
    }
    yield* draw.norm(`${att}ln_x`);
    yield* attentionMatrices(draw, att, c, gated);
    yield* gatedChannelMixTensors(draw, `blocks.${layer}.ffn.`, spec, 'time_mix');
  };
