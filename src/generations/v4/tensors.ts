/**
 * RWKV-4 tensor layout: vector WKV state (no heads), time_decay / time_first per channel, token-shift mixes
 * time_mix_{k,v,r}; the channel-mix block (shared by v5.1 and v5.2) has time_mix_{k,r}, key, value, receptance.
 */
import type { GenerationTensors } from '../generation-module.js';
import type { BlockTensor } from '../shapes.js';
import { sameShape } from '../shapes.js';
import type { ModelSpec } from '../../model/spec.js';

/** The channel-mix tensors of v4, v5.1 and v5.2. */
export function channelMixV4(spec: ModelSpec): BlockTensor[] {
  const c = spec.nEmbed;
  const f = spec.nFfn;
  return [
    ...sameShape(['ffn.time_mix_k', 'ffn.time_mix_r'], [c]),
    ['ffn.key.weight', [f, c]],
    ['ffn.value.weight', [c, f]],
    ['ffn.receptance.weight', [c, c]],
  ];
}

export const V4_TENSORS: GenerationTensors = {
  signature: ['att.time_first'],
  inferHeads: () => ({ nHead: 0, headSize: 0 }),
  heads: false,
  inferLora: () => ({}),
  blockTensors(spec) {
    const c = spec.nEmbed;
    return [
      ...sameShape(['att.time_decay', 'att.time_first', 'att.time_mix_k', 'att.time_mix_v', 'att.time_mix_r'], [c]),
      ...sameShape(['att.key.weight', 'att.value.weight', 'att.receptance.weight', 'att.output.weight'], [c, c]),
      ...channelMixV4(spec),
    ];
  },
};
