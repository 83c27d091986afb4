/**
 * The names of fla's RWKV-7 (flash-linear-attention `RWKV7ForCausalLM`, the fla-hub models; converted from BlinkDL's
 * files by fla's utils/convert_from_rwkv7.py): `model.embeddings`, `model.norm` (ln_out), `lm_head` (head), and per
 * layer `model.layers.N.` with `pre_norm` (ln0), `attn_norm` (ln1), `ffn_norm` (ln2), `attn.{r,k,v,o}_proj`
 * (receptance, key, value, output), `attn.g_norm` (ln_x), the LoRAs as `attn.{w,a,v,g}_lora.lora.0.weight` (x1),
 * `lora.2.weight` (x2) and `lora.2.bias` (x0), and `attn.x_r … x_g`, `k_k`, `k_a`, `r_k`, `ffn.x_k`, `ffn.key`,
 * `ffn.value` as in the official files. The converter transposes x1 and x2 (nn.Linear weights), so they are stored
 * canonical [out, in]; every other value is stored as BlinkDL's.
 */
import type { HubNaming } from '../generation-module.js';

const TOP: Readonly<Record<string, string>> = {
  'model.embeddings.weight': 'emb.weight',
  'model.norm.weight': 'ln_out.weight',
  'model.norm.bias': 'ln_out.bias',
  'lm_head.weight': 'head.weight',
};
const NORMS: Readonly<Record<string, string>> = { pre_norm: 'ln0', attn_norm: 'ln1', ffn_norm: 'ln2' };
const PROJECTIONS: Readonly<Record<string, string>> = {
  r_proj: 'receptance',
  k_proj: 'key',
  v_proj: 'value',
  o_proj: 'output',
  g_norm: 'ln_x',
};
const LORA_PARTS: Readonly<Record<string, string>> = { '0.weight': '1', '2.weight': '2', '2.bias': '0' };

function attentionName(rest: string): string {
  const lora = /^([wavg])_lora\.lora\.(0\.weight|2\.weight|2\.bias)$/.exec(rest);
  if (lora !== null) return `${lora[1]}${LORA_PARTS[lora[2]]}`;
  const projection = /^(\w+)\.(weight|bias)$/.exec(rest);
  return projection !== null && Object.hasOwn(PROJECTIONS, projection[1])
    ? `${PROJECTIONS[projection[1]]}.${projection[2]}`
    : rest;
}

export const FLA_NAMING: HubNaming = {
  description: "fla's RWKV-7 (model.layers.N.attn.*)",
  recognizes: (names) => names.some((name) => name.startsWith('model.layers.') || name === 'model.embeddings.weight'),
  officialName(name) {
    if (Object.hasOwn(TOP, name)) return TOP[name];
    const layer = /^model\.layers\.(\d+)\.(\w+)\.(.+)$/.exec(name);
    if (layer === null) return name;
    const [, index, part, rest] = layer;
    if (Object.hasOwn(NORMS, part)) return `blocks.${index}.${NORMS[part]}.${rest}`;
    if (part === 'attn') return `blocks.${index}.att.${attentionName(rest)}`;
    if (part === 'ffn') return `blocks.${index}.ffn.${rest}`;
    return name;
  },
};
