/**
 * RWKV-5 tensor layouts, one list for both versions. 5.1: matrix WKV state with one decay / bonus per head
 * (time_decay, time_first [H]) and a GroupNorm (ln_x) over heads. 5.2 differs in exactly two ways: decay and bonus
 * per head channel (time_decay, time_faaaa [H, S]), and a SiLU output gate (time_mix_g, gate.weight). The
 * channel-mix block is v4's.
 */
import type { GenerationTensors } from '../generation-module.js';
import { headsFromMatrix, headsFromVector, sameShape } from '../shapes.js';
import { channelMixV4 } from '../v4/tensors.js';

/** The v5 layout: 5.1 when `gated` is false, 5.2 when true. */
function v5Tensors(gated: boolean): GenerationTensors {
  const bonus = gated ? 'att.time_faaaa' : 'att.time_first';
  const gate = (names: string[]) => (gated ? names : []);
  return {
    signature: gated ? ['att.time_faaaa', 'att.time_mix_g'] : ['att.time_first', 'att.ln_x.weight'],
    heads: true,
    inferHeads: gated
      ? (shapes, nEmbed) => headsFromMatrix(shapes, `blocks.0.${bonus}`, nEmbed)
      : (shapes, nEmbed) => headsFromVector(shapes, 'blocks.0.att.time_decay', nEmbed),
    inferLora: () => ({}),
    blockTensors(spec) {
      const c = spec.nEmbed;
      const mixes = ['att.time_mix_k', 'att.time_mix_v', 'att.time_mix_r', ...gate(['att.time_mix_g'])];
      const matrices = ['att.key.weight', 'att.value.weight', 'att.receptance.weight', 'att.output.weight'];
      return [
        ...sameShape(['att.time_decay', bonus], gated ? [spec.nHead, spec.headSize] : [spec.nHead]),
        ...sameShape([...mixes, 'att.ln_x.weight', 'att.ln_x.bias'], [c]),
        ...sameShape([...matrices, ...gate(['att.gate.weight'])], [c, c]),
        ...channelMixV4(spec),
      ];
    },
  };
}

export const V5_1_TENSORS = v5Tensors(false);
export const V5_2_TENSORS = v5Tensors(true);
