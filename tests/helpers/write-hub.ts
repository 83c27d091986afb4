/**
 * Puts an official checkpoint's tensors into the names and layouts of the Hugging Face conversions, written from the
 * converters themselves, not from the reader: transformers' convert_rwkv_checkpoint_to_hf.py (RWKV-4) and the hub's
 * convert_rwkv5/6_checkpoint_to_hf.py prefix every name but `head.weight` with `rwkv.`, rename `emb` → `embeddings`,
 * `blocks.0.ln0` → `blocks.0.pre_ln`, `att` → `attention`, `ffn` → `feed_forward` and (v4, v5)
 * `time_mix_{k,v,r,g}` → `time_mix_{key,value,receptance,gate}`, values untouched; fla's utils/convert_from_rwkv7.py
 * renames to `model.layers.N.{pre_norm,attn_norm,ffn_norm,attn,ffn}`, `{r,k,v,o}_proj`, `g_norm`,
 * `{w,a,v,g}_lora.lora.{0.weight,2.weight,2.bias}` for x1, x2, x0, transposes x1 and x2 (nn.Linear weights),
 * squeezes [1, 1, C] vectors (the x_* mixes stay [1, 1, C] parameters) and drops block 0's v0, v1, v2.
 */
import type { Generation } from '../../src/model/spec.js';
import type { OfficialTensor } from './write-pth.js';

const HF_MIX: Readonly<Record<string, string>> = { k: 'key', v: 'value', r: 'receptance', g: 'gate' };

function transformersName(name: string): string {
  if (name === 'head.weight') return name;
  const renamed = name
    .replace(/^emb\./, 'embeddings.')
    .replace(/^blocks\.0\.ln0\./, 'blocks.0.pre_ln.')
    .replace(/^(blocks\.\d+)\.att\./, '$1.attention.')
    .replace(/^(blocks\.\d+)\.ffn\./, '$1.feed_forward.')
    .replace(/\.time_mix_([kvrg])$/, (_, mix: string) => `.time_mix_${HF_MIX[mix]}`);
  return `rwkv.${renamed}`;
}

const FLA_TOP: Readonly<Record<string, string>> = {
  'emb.weight': 'model.embeddings.weight',
  'ln_out.weight': 'model.norm.weight',
  'ln_out.bias': 'model.norm.bias',
  'head.weight': 'lm_head.weight',
};
const FLA_PART: Readonly<Record<string, string>> = {
  att: 'attn',
  ffn: 'ffn',
  ln0: 'pre_norm',
  ln1: 'attn_norm',
  ln2: 'ffn_norm',
};
const FLA_PROJ: Readonly<Record<string, string>> = {
  receptance: 'r_proj',
  key: 'k_proj',
  value: 'v_proj',
  output: 'o_proj',
  ln_x: 'g_norm',
};
const FLA_LORA: Readonly<Record<string, string>> = { '0': '2.bias', '1': '0.weight', '2': '2.weight' };

function flaTensor(tensor: OfficialTensor): OfficialTensor | undefined {
  if (Object.hasOwn(FLA_TOP, tensor.name)) return { ...tensor, name: FLA_TOP[tensor.name] };
  const parts = tensor.name.split('.');
  if (parts[1] === '0' && parts[2] === 'att' && /^v[012]$/.test(parts[3])) return undefined;
  parts[0] = 'model.layers';
  parts[2] = FLA_PART[parts[2]];
  let { data, shape } = tensor;
  const lora = /^([wavg])([012])$/.exec(parts[3]);
  if (lora !== null) {
    parts[3] = `${lora[1]}_lora.lora.${FLA_LORA[lora[2]]}`;
    if (lora[2] !== '0') {
      const [rows, cols] = shape;
      const out = new Float32Array(data.length);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
      data = out;
      shape = [cols, rows];
    }
  } else if (parts[2] === 'attn' && Object.hasOwn(FLA_PROJ, parts[3])) {
    parts[3] = FLA_PROJ[parts[3]];
  }
  const name = parts.join('.');
  if (shape.length === 3 && shape[0] === 1 && shape[1] === 1 && !/\.attn\.x_[rwkvag]$/.test(name)) shape = [shape[2]];
  return { name, shape, data };
}

/** The tensors a Hugging Face conversion of this official checkpoint holds (fla for v7, transformers before). */
export function hubTensors(tensors: readonly OfficialTensor[], generation: Generation): OfficialTensor[] {
  if (generation === '7') return tensors.flatMap((tensor) => flaTensor(tensor) ?? []);
  return tensors.map((tensor) => ({ ...tensor, name: transformersName(tensor.name) }));
}
