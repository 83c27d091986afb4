/**
 * RWKV-5 tensor layouts. 5.1: matrix WKV state with one decay / bonus per head (time_decay, time_first [H]) and a
 * GroupNorm (ln_x) over heads. 5.2: decay and bonus per head channel (time_decay, time_faaaa [H, S]) and a SiLU
 * output gate (time_mix_g, gate.weight). The channel-mix block is v4's.
 */
import type { GenerationTensors } from '../generation-module.js';
import { headsFromMatrix, headsFromVector, sameShape } from '../shapes.js';
import { channelMixV4 } from '../v4/tensors.js';

export const V5_1_TENSORS: GenerationTensors = {
  signature: ['att.time_first', 'att.ln_x.weight'],
  heads: true,
  inferHeads: (shapes, nEmbed) => headsFromVector(shapes, 'blocks.0.att.time_decay', nEmbed),
  inferLora: () => ({}),
  blockTensors(spec) {
    const c = spec.nEmbed;
    return [
      ...sameShape(['att.time_decay', 'att.time_first'], [spec.nHead]),
      ...sameShape(['att.time_mix_k', 'att.time_mix_v', 'att.time_mix_r', 'att.ln_x.weight', 'att.ln_x.bias'], [c]),
      ...sameShape(['att.key.weight', 'att.value.weight', 'att.receptance.weight', 'att.output.weight'], [c, c]),
      ...channelMixV4(spec),
    ];
  },
};

export const V5_2_TENSORS: GenerationTensors = {
  signature: ['att.time_faaaa', 'att.time_mix_g'],
  heads: true,
  inferHeads: (shapes, nEmbed) => headsFromMatrix(shapes, 'blocks.0.att.time_faaaa', nEmbed),
  inferLora: () => ({}),
  blockTensors(spec) {
    const c = spec.nEmbed;
    return [
      ...sameShape(['att.time_decay', 'att.time_faaaa'], [spec.nHead, spec.headSize]),
      ...sameShape(
        ['att.time_mix_k', 'att.time_mix_v', 'att.time_mix_r', 'att.time_mix_g', 'att.ln_x.weight', 'att.ln_x.bias'],
        [c],
      ),
      ...sameShape(
        ['att.key.weight', 'att.value.weight', 'att.receptance.weight', 'att.output.weight', 'att.gate.weight'],
        [c, c],
      ),
      ...channelMixV4(spec),
    ];
  },
};
