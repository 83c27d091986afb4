/**
 * The names of Hugging Face transformers' RWKV-4 (`RwkvForCausalLM`, converted by transformers'
 * convert_rwkv_checkpoint_to_hf.py), also used by the hub's RWKV-5 and RWKV-6 conversions (the RWKV org's
 * `modeling_rwkv5/6.py` and their converters): every official name gains the prefix `rwkv.` except `head.weight`,
 * `emb` is `embeddings`, block 0's `ln0` is `pre_ln`, `att` is `attention`, `ffn` is `feed_forward`, and v4/v5's
 * `time_mix_{k,v,r,g}` are `time_mix_{key,value,receptance,gate}` (v6's `time_maa_*` keep their names). Values are
 * stored raw, as in the official files.
 */
import type { HubNaming } from '../generation-module.js';

const MIX_NAMES: Readonly<Record<string, string>> = { key: 'k', value: 'v', receptance: 'r', gate: 'g' };
const PARTS: Readonly<Record<string, string>> = { attention: 'att', feed_forward: 'ffn', pre_ln: 'ln0' };

export const TRANSFORMERS_NAMING: HubNaming = {
  description: "Hugging Face transformers' RWKV (rwkv.blocks.N.attention.*)",
  recognizes: (names) => names.some((name) => name.startsWith('rwkv.')),
  officialName(name) {
    if (!name.startsWith('rwkv.')) return name;
    const inner = name.slice('rwkv.'.length);
    if (inner.startsWith('embeddings.')) return `emb.${inner.slice('embeddings.'.length)}`;
    const block = /^blocks\.(\d+)\.(attention|feed_forward|pre_ln)\.(.+)$/.exec(inner);
    if (block === null) return inner;
    const [, layer, part, rest] = block;
    const mix = /^time_mix_(key|value|receptance|gate)$/.exec(rest);
    return `blocks.${layer}.${PARTS[part]}.${mix === null ? rest : `time_mix_${MIX_NAMES[mix[1]]}`}`;
  },
};
