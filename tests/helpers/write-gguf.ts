/**
 * Writes GGUF files the way llama.cpp's convert_hf_to_gguf.py lays out RWKV-6 and RWKV-7 (written for the tests from
 * that converter and src/llama-model.cpp, independently of the reader): GGUF v3 (or v2) containers, the rwkv6 /
 * rwkv7 tensor names, ggml dims innermost first, fused token-shift mixes, flattened per-head vectors, v7's dummy
 * layer-0 v0/v1/v2, v6's rescaled output weights, the World vocabulary as escaped byte strings, and the hyper-parameter
 * keys llama.cpp's loader requires (llama.cpp loads these files; docs/formats.md, "Peer check against llama.cpp").
 */
import { encodeF16 } from '../../src/numeric/half.js';
import type { CanonicalModel, Tensor } from '../../src/model/spec.js';
import { GENERATION_MODULES } from '../../src/generations/registry.js';

export const GGML_TYPE_IDS = {
  F32: 0,
  F16: 1,
  Q4_0: 2,
  Q4_1: 3,
  Q5_0: 6,
  Q5_1: 7,
  Q8_0: 8,
  Q2_K: 10,
  Q3_K: 11,
  Q4_K: 12,
  Q5_K: 13,
  Q6_K: 14,
  BF16: 30,
} as const;

export type GgmlTypeName = keyof typeof GGML_TYPE_IDS;

export interface GgufTensorOut {
  name: string;
  /** ggml dims, innermost first. */
  ne: readonly number[];
  /** A type name, or a raw id (hostile files). */
  type: GgmlTypeName | number;
  data: Uint8Array;
  /** A data offset other than the next aligned one (hostile files). */
  offset?: number;
}

export type GgufMetadataValue =
  | { type: 'u32' | 'i32' | 'u16' | 'f32' | 'u64'; value: number }
  | { type: 'string'; value: string }
  | { type: 'bool'; value: boolean }
  | { type: 'string[]'; value: readonly string[] }
  | { type: 'i32[]'; value: readonly number[] };

export interface GgufFile {
  version?: number;
  alignment?: number;
  metadata: ReadonlyMap<string, GgufMetadataValue>;
  tensors: readonly GgufTensorOut[];
}

class ByteWriter {
  private parts: Uint8Array[] = [];
  length = 0;

  bytes(bytes: Uint8Array): void {
    this.parts.push(bytes);
    this.length += bytes.length;
  }

  number(bytes: number, write: (view: DataView) => void): void {
    const out = new Uint8Array(bytes);
    write(new DataView(out.buffer));
    this.bytes(out);
  }

  u32(value: number): void {
    this.number(4, (view) => view.setUint32(0, value, true));
  }

  u64(value: number | bigint): void {
    this.number(8, (view) => view.setBigUint64(0, BigInt(value), true));
  }

  string(text: string): void {
    const bytes = new TextEncoder().encode(text);
    this.u64(bytes.length);
    this.bytes(bytes);
  }

  pad(alignment: number): void {
    const padding = (alignment - (this.length % alignment)) % alignment;
    if (padding > 0) this.bytes(new Uint8Array(padding));
  }

  join(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const part of this.parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }
}

const VALUE_TYPES = { u16: 2, u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9, u64: 10 } as const;

function writeValue(out: ByteWriter, value: GgufMetadataValue): void {
  switch (value.type) {
    case 'u16':
      return out.number(2, (view) => view.setUint16(0, value.value, true));
    case 'u32':
      return out.u32(value.value);
    case 'i32':
      return out.number(4, (view) => view.setInt32(0, value.value, true));
    case 'f32':
      return out.number(4, (view) => view.setFloat32(0, value.value, true));
    case 'u64':
      return out.u64(value.value);
    case 'bool':
      return out.bytes(new Uint8Array([value.value ? 1 : 0]));
    case 'string':
      return out.string(value.value);
    case 'string[]':
      out.u32(VALUE_TYPES.string);
      out.u64(value.value.length);
      return value.value.forEach((text) => out.string(text));
    case 'i32[]':
      out.u32(VALUE_TYPES.i32);
      out.u64(value.value.length);
      return value.value.forEach((n) => out.number(4, (view) => view.setInt32(0, n, true)));
  }
}

function valueTypeId(value: GgufMetadataValue): number {
  return value.type.endsWith('[]') ? VALUE_TYPES.array : VALUE_TYPES[value.type as keyof typeof VALUE_TYPES];
}

/** The bytes of a GGUF file: header, metadata, tensor infos, padding, then each tensor's data aligned. */
export function writeGguf(file: GgufFile): Uint8Array {
  const alignment = file.alignment ?? 32;
  const out = new ByteWriter();
  out.bytes(new TextEncoder().encode('GGUF'));
  out.u32(file.version ?? 3);
  out.u64(file.tensors.length);
  out.u64(file.metadata.size);
  for (const [key, value] of file.metadata) {
    out.string(key);
    out.u32(valueTypeId(value));
    writeValue(out, value);
  }
  let offset = 0;
  for (const tensor of file.tensors) {
    out.string(tensor.name);
    out.u32(tensor.ne.length);
    for (const dim of tensor.ne) out.u64(dim);
    out.u32(typeof tensor.type === 'number' ? tensor.type : GGML_TYPE_IDS[tensor.type]);
    out.u64(tensor.offset ?? offset);
    offset += Math.ceil(tensor.data.length / alignment) * alignment;
  }
  out.pad(alignment);
  for (const tensor of file.tensors) {
    out.bytes(tensor.data);
    out.pad(alignment);
  }
  return out.join();
}

/** The parts of a split GGUF (gguf-split): the metadata in the first, every part with split.no / split.count. */
export function writeSplitGguf(file: GgufFile, parts: number): Uint8Array[] {
  const perPart = Math.ceil(file.tensors.length / parts);
  return Array.from({ length: parts }, (_, no) => {
    const metadata = new Map<string, GgufMetadataValue>(no === 0 ? file.metadata : []);
    metadata.set('split.no', { type: 'u16', value: no });
    metadata.set('split.count', { type: 'u16', value: parts });
    metadata.set('split.tensors.count', { type: 'i32', value: file.tensors.length });
    return writeGguf({ ...file, metadata, tensors: file.tensors.slice(no * perPart, (no + 1) * perPart) });
  });
}

/** How the test stores a canonical tensor: values (already in GGUF layout) → ggml type and bytes. */
export type TensorEncoder = (
  canonicalName: string,
  values: Float32Array,
  ne: readonly number[],
) => {
  type: GgmlTypeName;
  data: Uint8Array;
};

export const f32Bytes = (values: Float32Array): Uint8Array =>
  new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));

const BLOCK_MATRICES = new Set(Object.values(GENERATION_MODULES).flatMap((module) => module.upload.matrices));

/** Whether a canonical tensor is a linear weight (what llama.cpp quantizes): emb, head and each module's matrices. */
export function isLinearWeight(name: string): boolean {
  return name === 'emb.weight' || name === 'head.weight' || BLOCK_MATRICES.has(name.replace(/^blocks\.\d+\./, ''));
}

/** Linear weights (the matrices llama.cpp quantizes) as `type`, every other tensor as F32. */
export function matricesAs(type: 'F32' | 'F16' | 'BF16'): TensorEncoder {
  return (name, values) => {
    if (!isLinearWeight(name) || type === 'F32') return { type: 'F32', data: f32Bytes(values) };
    return { type, data: type === 'F16' ? encodeF16(values) : encodeBF16(values) };
  };
}

/** bf16 by round-to-nearest-even of the f32 bits. */
export function encodeBF16(values: Float32Array): Uint8Array {
  const bits = new Uint32Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  const out = new Uint16Array(bits.length);
  bits.forEach((b, i) => (out[i] = (b + 0x7fff + ((b >>> 16) & 1)) >>> 16));
  return new Uint8Array(out.buffer);
}

const V6_BLOCK: Readonly<Record<string, string>> = {
  'att.time_maa_x': 'time_mix_lerp_x.weight',
  'att.time_maa_w1': 'time_mix_w1.weight',
  'att.time_maa_w2': 'time_mix_w2.weight',
  'att.time_decay': 'time_mix_decay.weight',
  'att.time_decay_w1': 'time_mix_decay_w1.weight',
  'att.time_decay_w2': 'time_mix_decay_w2.weight',
  'att.time_faaaa': 'time_mix_first.weight',
  'att.key.weight': 'time_mix_key.weight',
  'att.value.weight': 'time_mix_value.weight',
  'att.receptance.weight': 'time_mix_receptance.weight',
  'att.gate.weight': 'time_mix_gate.weight',
  'att.output.weight': 'time_mix_output.weight',
  'att.ln_x.weight': 'time_mix_ln.weight',
  'att.ln_x.bias': 'time_mix_ln.bias',
  'ffn.time_maa_k': 'channel_mix_lerp_k.weight',
  'ffn.time_maa_r': 'channel_mix_lerp_r.weight',
  'ffn.key.weight': 'channel_mix_key.weight',
  'ffn.value.weight': 'channel_mix_value.weight',
  'ffn.receptance.weight': 'channel_mix_receptance.weight',
};
const V6_FUSED = ['att.time_maa_w', 'att.time_maa_k', 'att.time_maa_v', 'att.time_maa_r', 'att.time_maa_g'];

const V7_BLOCK: Readonly<Record<string, string>> = {
  ...Object.fromEntries(
    ['w0', 'w1', 'w2', 'a0', 'a1', 'a2', 'v0', 'v1', 'v2', 'g1', 'g2', 'k_k', 'k_a', 'r_k'].map((n) => [
      `att.${n}`,
      `time_mix_${n}.weight`,
    ]),
  ),
  'att.x_rwkvag': 'time_mix_lerp_fused.weight',
  'att.key.weight': 'time_mix_key.weight',
  'att.value.weight': 'time_mix_value.weight',
  'att.receptance.weight': 'time_mix_receptance.weight',
  'att.output.weight': 'time_mix_output.weight',
  'att.ln_x.weight': 'time_mix_ln.weight',
  'att.ln_x.bias': 'time_mix_ln.bias',
  'ffn.x_k': 'channel_mix_lerp_k.weight',
  'ffn.key.weight': 'channel_mix_key.weight',
  'ffn.value.weight': 'channel_mix_value.weight',
};

const COMMON: Readonly<Record<string, string>> = {
  'emb.weight': 'token_embd.weight',
  'blocks.0.ln0.weight': 'token_embd_norm.weight',
  'blocks.0.ln0.bias': 'token_embd_norm.bias',
  'ln_out.weight': 'output_norm.weight',
  'ln_out.bias': 'output_norm.bias',
  'head.weight': 'output.weight',
  'ln1.weight': 'attn_norm.weight',
  'ln1.bias': 'attn_norm.bias',
  'ln2.weight': 'attn_norm_2.weight',
  'ln2.bias': 'attn_norm_2.bias',
};

export interface GgufModelOptions {
  /** v6: rwkv6.rescale_every_n_layers (the converter then divides two weights per layer). */
  rescaleEvery?: number;
  /** tokenizer.ggml.tokens as the converter writes them (escaped), with their token types. */
  vocabulary?: { tokens: readonly string[]; types: readonly number[] };
  version?: number;
  alignment?: number;
}

/** A canonical model in llama.cpp's layout, each tensor stored by `encode`. */
export function ggufOf(model: CanonicalModel, encode: TensorEncoder, options: GgufModelOptions = {}): GgufFile {
  const { spec } = model;
  const architecture = spec.generation === '6' ? 'rwkv6' : spec.generation === '7' ? 'rwkv7' : undefined;
  if (architecture === undefined) throw new Error(`llama.cpp has no architecture for v${spec.generation}`);
  const tensors: GgufTensorOut[] = [];
  const get = (name: string): Tensor => model.tensors.get(name)!;
  const add = (name: string, canonical: string, values: Float32Array, ne: readonly number[]) =>
    tensors.push({ name, ne, ...encode(canonical, values, ne) });
  const dims = (shape: readonly number[]) => [...shape].reverse();
  for (const [canonical, name] of Object.entries(COMMON)) {
    if (model.tensors.has(canonical)) add(name, canonical, get(canonical).data, dims(get(canonical).shape));
  }
  for (let layer = 0; layer < spec.nLayer; layer++) {
    const prefix = `blocks.${layer}.`;
    const blk = `blk.${layer}.`;
    for (const suffix of ['ln1.weight', 'ln1.bias', 'ln2.weight', 'ln2.bias']) {
      const tensor = get(prefix + suffix);
      add(blk + COMMON[suffix], prefix + suffix, tensor.data, dims(tensor.shape));
    }
    const table = architecture === 'rwkv6' ? V6_BLOCK : V7_BLOCK;
    for (const [suffix, name] of Object.entries(table)) {
      const tensor = model.tensors.get(prefix + suffix);
      if (tensor === undefined) {
        if (layer === 0 && /^att\.v[012]$/.test(suffix)) {
          // Layer 0's dummies: copies of a0 / a1 / a2.
          const copy = get(prefix + suffix.replace('.v', '.a'));
          add(blk + name, prefix + suffix, copy.data, dims(copy.shape));
        }
        continue;
      }
      let values = tensor.data;
      let ne = dims(tensor.shape);
      if (suffix === 'att.time_decay' || suffix === 'att.r_k') ne = [tensor.data.length];
      if (suffix === 'att.x_rwkvag') ne = [spec.nEmbed, 1, 1, 6];
      const every = options.rescaleEvery ?? 0;
      if (every > 0 && (suffix === 'att.output.weight' || suffix === 'ffn.value.weight')) {
        const divisor = 2 ** Math.floor(layer / every);
        values = values.map((value) => value / divisor);
      }
      add(blk + name, prefix + suffix, values, ne);
    }
    if (architecture === 'rwkv6') {
      const fused = new Float32Array(5 * spec.nEmbed);
      V6_FUSED.forEach((suffix, i) => fused.set(get(prefix + suffix).data, i * spec.nEmbed));
      add(`${blk}time_mix_lerp_fused.weight`, `${prefix}att.time_maa_fused`, fused, [spec.nEmbed, 1, 1, 5]);
    }
  }
  const metadata = new Map<string, GgufMetadataValue>([
    ['general.architecture', { type: 'string', value: architecture }],
    ['general.alignment', { type: 'u32', value: options.alignment ?? 32 }],
    [`${architecture}.block_count`, { type: 'u32', value: spec.nLayer }],
    [`${architecture}.embedding_length`, { type: 'u32', value: spec.nEmbed }],
    [`${architecture}.feed_forward_length`, { type: 'u32', value: spec.nFfn }],
    [`${architecture}.wkv.head_size`, { type: 'u32', value: spec.headSize }],
  ]);
  // Keys llama.cpp's loader requires (this project's reader takes the sizes from the tensors).
  metadata.set(`${architecture}.context_length`, { type: 'u32', value: 1048576 });
  metadata.set(`${architecture}.attention.layer_norm_epsilon`, { type: 'f32', value: 1e-5 });
  const ranks: [string, number | undefined][] =
    architecture === 'rwkv6'
      ? [
          ['time_mix_extra_dim', spec.lora.mix],
          ['time_decay_extra_dim', spec.lora.decay],
        ]
      : [
          ['attention.decay_lora_rank', spec.lora.decay],
          ['attention.iclr_lora_rank', spec.lora.iclr],
          ['attention.value_residual_mix_lora_rank', spec.lora.valueResidual],
          ['attention.gate_lora_rank', spec.lora.gate],
        ];
  for (const [key, rank] of ranks) metadata.set(`${architecture}.${key}`, { type: 'u32', value: rank ?? 0 });
  if (architecture === 'rwkv6') {
    metadata.set('rwkv6.rescale_every_n_layers', { type: 'u32', value: options.rescaleEvery ?? 0 });
  }
  if (options.vocabulary !== undefined) {
    metadata.set('tokenizer.ggml.model', { type: 'string', value: 'rwkv' });
    metadata.set('tokenizer.ggml.tokens', { type: 'string[]', value: options.vocabulary.tokens });
    metadata.set('tokenizer.ggml.token_type', { type: 'i32[]', value: options.vocabulary.types });
  }
  return { version: options.version, alignment: options.alignment, metadata, tensors };
}

/**
 * The converter's token list for a vocabulary given as each id's bytes (id 0 and ids past the list: `<s>` and
 * `[PADn]`): the text of Python's bytes repr without b'…'.
 */
export function ggufVocabulary(tokens: readonly Uint8Array[], size: number): { tokens: string[]; types: number[] } {
  const texts = ['<s>'];
  const types = [3];
  for (const bytes of tokens) {
    texts.push(pythonBytesRepr(bytes));
    types.push(1);
  }
  for (let pad = 1; texts.length < size; pad++) {
    texts.push(`[PAD${pad}]`);
    types.push(5);
  }
  return { tokens: texts, types };
}

/** repr(bytes)[2:-1] as CPython writes it (single-quoted form). */
export function pythonBytesRepr(bytes: Uint8Array): string {
  const useDouble = bytes.includes(0x27) && !bytes.includes(0x22);
  let text = '';
  for (const byte of bytes) {
    if (byte === 0x5c) text += '\\\\';
    else if (byte === 0x27 && !useDouble) text += "\\'";
    else if (byte === 0x09) text += '\\t';
    else if (byte === 0x0a) text += '\\n';
    else if (byte === 0x0d) text += '\\r';
    else if (byte < 0x20 || byte >= 0x7f) text += `\\x${byte.toString(16).padStart(2, '0')}`;
    else text += String.fromCharCode(byte);
  }
  return text;
}
