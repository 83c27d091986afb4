/**
 * Writes genuine torch.save-style `.pth` files for tests, from a canonical model put back into official form.
 *
 * Official form (the inverse of docs/canonical-model.md's transforms, written from the docs, not from the
 * reader): v4 time_decay w = ln(−d); v5.1 w = ln(−ln d), time_first u = ln(f); v5.2 w = ln(−ln d); v6/v7 LoRA
 * matrices transposed (time_maa_w2 on its last two dims); v7 x_rwkvag split into x_r … x_g; vectors [1, 1, C].
 * web-rwkv's `.st` form instead renames time_faaaa → time_first and (v6) time_maa → time_mix, and keeps the LoRA
 * matrices as canonical.
 *
 * torch.save's layout (torch/serialization.py, caffe2 inline_container): a zip of stored entries
 * `<archive>/data.pkl` (pickle protocol 2 of the state dict; tensors are `_rebuild_tensor_v2(storage, offset,
 * size, stride, False, OrderedDict())` with persistent ids `('storage', torch.<T>Storage, key, 'cpu', numel)`),
 * `<archive>/byteorder` ("little"), `<archive>/data/<key>` (storage bytes, keys "0", "1", … written in string
 * order), `<archive>/version` ("3\n") and `<archive>/.data/serialization_id`; every entry's data is aligned to 64
 * bytes with an "FB" padding extra field.
 */
import * as zlib from 'node:zlib';
import { expect } from 'vitest';
import type { CanonicalModel, Generation } from '../../src/model/spec.js';

import { encodeValues, roundToType, type OfficialType } from './tensor-encoding.js';

export { encodeValues, roundToType, type OfficialType };
export type Naming = 'official' | 'web-rwkv';

/** A tensor in a checkpoint's own name, shape and values (f32 values, rounded to the file type on writing). */
export interface OfficialTensor {
  name: string;
  shape: readonly number[];
  data: Float32Array;
}

/** An elementwise stored transform: canonical = fromOfficial(official). */
export interface ValueTransform {
  toOfficial(canonical: number): number;
  fromOfficial(official: number): number;
}

/** The elementwise transforms of docs/canonical-model.md, by generation and tensor (after `blocks.N.`). */
export const VALUE_TRANSFORMS: Readonly<Record<Generation, Readonly<Record<string, ValueTransform>>>> = {
  '4': { 'att.time_decay': { toOfficial: (d) => Math.log(-d), fromOfficial: (w) => -Math.exp(w) } },
  '5.1': {
    'att.time_decay': { toOfficial: (d) => Math.log(-Math.log(d)), fromOfficial: (w) => Math.exp(-Math.exp(w)) },
    'att.time_first': { toOfficial: (f) => Math.log(f), fromOfficial: (u) => Math.exp(u) },
  },
  '5.2': {
    'att.time_decay': { toOfficial: (d) => Math.log(-Math.log(d)), fromOfficial: (w) => Math.exp(-Math.exp(w)) },
  },
  '6': {},
  '7': {},
};

const V7_MIXES = ['x_r', 'x_w', 'x_k', 'x_v', 'x_a', 'x_g'];
const V7_LORA = /\.att\.[wagv][12]$/;
const V6_LORA = /\.att\.(time_maa_w1|time_maa_w2|time_decay_w1|time_decay_w2)$/;
/** Vectors that the official modules declare as [1, 1, C] parameters. */
const OFFICIAL_ROW_VECTORS = /^(att|ffn)\.(time_mix_[kvrg]|time_maa_[xwkvrg]|[wav]0|k_[ka]|x_k)$/;

function transposeLastTwo(data: Float32Array, shape: readonly number[]): { data: Float32Array; shape: number[] } {
  const rows = shape[shape.length - 2];
  const cols = shape[shape.length - 1];
  const out = new Float32Array(data.length);
  for (let base = 0; base < data.length; base += rows * cols) {
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[base + c * rows + r] = data[base + r * cols + c];
  }
  return { data: out, shape: [...shape.slice(0, -2), cols, rows] };
}

/** The tensors of `model` as an official checkpoint (or web-rwkv's `.st`) stores them, in canonical order. */
export function officialTensors(model: CanonicalModel, naming: Naming = 'official'): OfficialTensor[] {
  const { generation, nEmbed: c } = model.spec;
  const out: OfficialTensor[] = [];
  for (const tensor of model.tensors.values()) {
    const suffix = tensor.name.replace(/^blocks\.\d+\./, '');
    const block = tensor.name.slice(0, tensor.name.length - suffix.length);
    if (suffix === 'att.x_rwkvag') {
      V7_MIXES.forEach((mix, row) => {
        out.push({ name: `${block}att.${mix}`, shape: [1, 1, c], data: tensor.data.slice(row * c, (row + 1) * c) });
      });
      continue;
    }
    let data: Float32Array = tensor.data.slice();
    let shape = [...tensor.shape];
    let name = tensor.name;
    const transform = VALUE_TRANSFORMS[generation][suffix];
    if (transform !== undefined) data = data.map(transform.toOfficial);
    const lora = generation === '6' ? V6_LORA.test(name) : generation === '7' && V7_LORA.test(name);
    if (lora && naming === 'official') ({ data, shape } = transposeLastTwo(data, shape));
    if (OFFICIAL_ROW_VECTORS.test(suffix) || (generation === '6' && suffix === 'att.time_decay')) shape = [1, 1, c];
    if (naming === 'web-rwkv') name = name.replace('.time_faaaa', '.time_first').replace('.time_maa_', '.time_mix_');
    out.push({ name, shape, data });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Pickle (protocol 2 as torch.save writes it, or protocol 4)

/** A tensor entry of the pickled state dict: which storage, where in it, and its size and strides. */
export interface PickledTensor {
  name: string;
  storageType: 'FloatStorage' | 'HalfStorage' | 'BFloat16Storage';
  key: string;
  storageNumel: number;
  offset: number;
  shape: readonly number[];
  stride: readonly number[];
}

const UTF8 = new TextEncoder();

class PickleWriter {
  readonly bytes: number[] = [];
  private readonly memo = new Map<string, number>();
  private memoCount = 0;

  constructor(readonly protocol: 2 | 4) {}

  op(...bytes: number[]): void {
    this.bytes.push(...bytes);
  }

  u32(value: number): number[] {
    return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24];
  }

  /** Memoizes the value on top of the stack (BINPUT / LONG_BINPUT, or MEMOIZE in protocol 4). */
  put(memoKey?: string): void {
    const index = this.memoCount++;
    if (memoKey !== undefined) this.memo.set(memoKey, index);
    if (this.protocol === 4) this.op(0x94);
    else if (index < 256) this.op(0x71, index);
    else this.op(0x72, ...this.u32(index));
  }

  /** Pushes a memoized value again (BINGET / LONG_BINGET); false when it was never memoized. */
  get(memoKey: string): boolean {
    const index = this.memo.get(memoKey);
    if (index === undefined) return false;
    if (index < 256) this.op(0x68, index);
    else this.op(0x6a, ...this.u32(index));
    return true;
  }

  string(value: string): void {
    if (this.get(`str:${value}`)) return;
    const bytes = UTF8.encode(value);
    if (this.protocol === 4 && bytes.length < 256) this.op(0x8c, bytes.length, ...bytes);
    else this.op(0x58, ...this.u32(bytes.length), ...bytes);
    this.put(`str:${value}`);
  }

  global(module: string, name: string): void {
    if (this.get(`global:${module}.${name}`)) return;
    if (this.protocol === 4) {
      this.string(module);
      this.string(name);
      this.op(0x93);
    } else {
      this.op(0x63, ...UTF8.encode(`${module}\n${name}\n`));
    }
    this.put(`global:${module}.${name}`);
  }

  int(value: number): void {
    if (value < 0x100) this.op(0x4b, value);
    else if (value < 0x10000) this.op(0x4d, value & 0xff, value >>> 8);
    else if (value < 0x80000000) this.op(0x4a, ...this.u32(value));
    else {
      const bytes: number[] = [];
      for (let rest = BigInt(value); rest > 0n || (bytes.at(-1) ?? 0) >= 0x80; rest >>= 8n)
        bytes.push(Number(rest & 0xffn));
      this.op(0x8a, bytes.length, ...bytes);
    }
  }

  tuple(items: readonly (() => void)[]): void {
    if (items.length === 0) {
      this.op(0x29);
      return;
    }
    if (items.length > 3) this.op(0x28);
    items.forEach((item) => item());
    this.op(items.length > 3 ? 0x74 : 0x85 + items.length - 1);
    this.put();
  }

  emptyOrderedDict(): void {
    this.global('collections', 'OrderedDict');
    this.op(0x29, 0x52);
    this.put();
  }
}

/** pickle's batch size for SETITEMS. */
const BATCH = 1000;

/** The data.pkl of a state dict (an OrderedDict with `_metadata`, as `model.state_dict()` gives, or a dict). */
export function statePickle(
  tensors: readonly PickledTensor[],
  options: { protocol?: 2 | 4; container?: 'OrderedDict' | 'dict' } = {},
): Uint8Array {
  const w = new PickleWriter(options.protocol ?? 2);
  w.op(0x80, w.protocol);
  if (w.protocol === 4) w.op(0x95, 0, 0, 0, 0, 0, 0, 0, 0);
  const ordered = (options.container ?? 'OrderedDict') === 'OrderedDict';
  if (ordered) w.emptyOrderedDict();
  else {
    w.op(0x7d);
    w.put();
  }
  for (let start = 0; start < tensors.length; start += BATCH) {
    w.op(0x28);
    for (const tensor of tensors.slice(start, start + BATCH)) {
      w.string(tensor.name);
      w.global('torch._utils', '_rebuild_tensor_v2');
      w.tuple([
        () => {
          w.tuple([
            () => w.string('storage'),
            () => w.global('torch', tensor.storageType),
            () => w.string(tensor.key),
            () => w.string('cpu'),
            () => w.int(tensor.storageNumel),
          ]);
          w.op(0x51);
        },
        () => w.int(tensor.offset),
        () => w.tuple(tensor.shape.map((dim) => () => w.int(dim))),
        () => w.tuple(tensor.stride.map((dim) => () => w.int(dim))),
        () => w.op(0x89),
        () => w.emptyOrderedDict(),
      ]);
      w.op(0x52);
      w.put();
    }
    w.op(0x75);
  }
  if (ordered) {
    w.op(0x7d);
    w.put();
    w.string('_metadata');
    w.emptyOrderedDict();
    w.string('');
    w.op(0x7d);
    w.put();
    w.string('version');
    w.int(1);
    w.op(0x73, 0x73, 0x73, 0x62);
  }
  w.op(0x2e);
  return new Uint8Array(w.bytes);
}

// ---------------------------------------------------------------------------------------------------------------
// Zip (stored entries aligned to 64 bytes, optional ZIP64 records, optional deflated entries for hostile tests)

export interface ZipFile {
  name: string;
  data: Uint8Array;
  /** Deflate this entry (torch never does; readers must refuse it). */
  compress?: boolean;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

class ByteWriter {
  readonly parts: Uint8Array[] = [];
  length = 0;

  bytes(data: Uint8Array): void {
    this.parts.push(data);
    this.length += data.length;
  }

  fields(spec: readonly (readonly [size: 2 | 4 | 8, value: number])[]): void {
    const out = new Uint8Array(spec.reduce((total, [size]) => total + size, 0));
    const view = new DataView(out.buffer);
    let at = 0;
    for (const [size, value] of spec) {
      if (size === 2) view.setUint16(at, value, true);
      else if (size === 4) view.setUint32(at, value, true);
      else view.setBigUint64(at, BigInt(value), true);
      at += size;
    }
    this.bytes(out);
  }

  result(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const part of this.parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }
}

const ALIGNMENT = 64;
const MAX32 = 0xffffffff;

/** A zip archive of `files`; with `zip64`, every size and offset goes through the ZIP64 records. */
export function writeZip(files: readonly ZipFile[], options: { zip64?: boolean } = {}): Uint8Array {
  const zip64 = options.zip64 ?? false;
  const out = new ByteWriter();
  const central: { name: Uint8Array; crc: number; size: number; stored: number; method: number; offset: number }[] = [];
  for (const file of files) {
    const name = UTF8.encode(file.name);
    const method = file.compress ? 8 : 0;
    const stored = file.compress ? new Uint8Array(zlib.deflateRawSync(file.data)) : file.data;
    const crc = crc32(file.data);
    const offset = out.length;
    const zip64Extra = zip64 ? 20 : 0;
    const unpadded = offset + 30 + name.length + zip64Extra + 4;
    const padding = (ALIGNMENT - (unpadded % ALIGNMENT)) % ALIGNMENT;
    out.fields([
      [4, 0x04034b50],
      [2, zip64 ? 45 : 20],
      [2, 0],
      [2, method],
      [2, 0],
      [2, 0x21],
      [4, crc],
      [4, zip64 ? MAX32 : stored.length],
      [4, zip64 ? MAX32 : file.data.length],
      [2, name.length],
      [2, zip64Extra + 4 + padding],
    ]);
    out.bytes(name);
    if (zip64)
      out.fields([
        [2, 1],
        [2, 16],
        [8, file.data.length],
        [8, stored.length],
      ]);
    out.fields([
      [2, 0x4246],
      [2, padding],
    ]);
    out.bytes(new Uint8Array(padding).fill(0x5a));
    out.bytes(stored);
    central.push({ name, crc, size: file.data.length, stored: stored.length, method, offset });
  }
  const directoryOffset = out.length;
  for (const entry of central) {
    out.fields([
      [4, 0x02014b50],
      [2, zip64 ? 45 : 20],
      [2, zip64 ? 45 : 20],
      [2, 0],
      [2, entry.method],
      [2, 0],
      [2, 0x21],
      [4, entry.crc],
      [4, zip64 ? MAX32 : entry.stored],
      [4, zip64 ? MAX32 : entry.size],
      [2, entry.name.length],
      [2, zip64 ? 28 : 0],
      [2, 0],
      [2, 0],
      [2, 0],
      [4, 0],
      [4, zip64 ? MAX32 : entry.offset],
    ]);
    out.bytes(entry.name);
    if (zip64)
      out.fields([
        [2, 1],
        [2, 24],
        [8, entry.size],
        [8, entry.stored],
        [8, entry.offset],
      ]);
  }
  const directorySize = out.length - directoryOffset;
  if (zip64) {
    const recordOffset = out.length;
    out.fields([
      [4, 0x06064b50],
      [8, 44],
      [2, 45],
      [2, 45],
      [4, 0],
      [4, 0],
      [8, central.length],
      [8, central.length],
      [8, directorySize],
      [8, directoryOffset],
    ]);
    out.fields([
      [4, 0x07064b50],
      [4, 0],
      [8, recordOffset],
      [4, 1],
    ]);
  }
  out.fields([
    [4, 0x06054b50],
    [2, 0],
    [2, 0],
    [2, zip64 ? 0xffff : central.length],
    [2, zip64 ? 0xffff : central.length],
    [4, zip64 ? MAX32 : directorySize],
    [4, zip64 ? MAX32 : directoryOffset],
    [2, 0],
  ]);
  return out.result();
}

// ---------------------------------------------------------------------------------------------------------------
// Whole checkpoints

export interface PthOptions {
  type?: OfficialType;
  /** torch.save names the archive folder after the file. */
  archive?: string;
  protocol?: 2 | 4;
  container?: 'OrderedDict' | 'dict';
  /** Put every tensor in one storage at increasing offsets (views of one buffer), instead of one storage each. */
  sharedStorage?: boolean;
  zip64?: boolean;
}

const STORAGE_TYPES = { f32: 'FloatStorage', f16: 'HalfStorage', bf16: 'BFloat16Storage' } as const;

function rowMajorStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let dim = shape.length - 1; dim >= 0; dim--) {
    strides[dim] = stride;
    stride *= shape[dim];
  }
  return strides;
}

/** The zip entries of a torch.save checkpoint, given its pickle and its storages' bytes by key. */
export function pthEntries(archive: string, pickle: Uint8Array, storages: ReadonlyMap<string, Uint8Array>): ZipFile[] {
  const text = (value: string) => UTF8.encode(value);
  const keys = [...storages.keys()].sort();
  return [
    { name: `${archive}/data.pkl`, data: pickle },
    { name: `${archive}/byteorder`, data: text('little') },
    ...keys.map((key) => ({ name: `${archive}/data/${key}`, data: storages.get(key) as Uint8Array })),
    { name: `${archive}/version`, data: text('3\n') },
    { name: `${archive}/.data/serialization_id`, data: text('1234567890123456789012345678901234567890') },
  ];
}

/** A `.pth` file holding `tensors` as torch.save writes a state dict. */
export function writePth(tensors: readonly OfficialTensor[], options: PthOptions = {}): Uint8Array {
  const type = options.type ?? 'f32';
  const storageType = STORAGE_TYPES[type];
  const pickled: PickledTensor[] = [];
  const storages = new Map<string, Uint8Array>();
  if (options.sharedStorage) {
    const total = tensors.reduce((sum, tensor) => sum + tensor.data.length, 0);
    const all = new Float32Array(total);
    let offset = 0;
    for (const tensor of tensors) {
      all.set(tensor.data, offset);
      const stride = rowMajorStrides(tensor.shape);
      pickled.push({
        name: tensor.name,
        storageType,
        key: '0',
        storageNumel: total,
        offset,
        shape: tensor.shape,
        stride,
      });
      offset += tensor.data.length;
    }
    storages.set('0', encodeValues(all, type));
  } else {
    tensors.forEach((tensor, index) => {
      const key = String(index);
      const stride = rowMajorStrides(tensor.shape);
      pickled.push({
        name: tensor.name,
        storageType,
        key,
        storageNumel: tensor.data.length,
        offset: 0,
        shape: tensor.shape,
        stride,
      });
      storages.set(key, encodeValues(tensor.data, type));
    });
  }
  const pickle = statePickle(pickled, { protocol: options.protocol, container: options.container });
  return writeZip(pthEntries(options.archive ?? 'archive', pickle, storages), { zip64: options.zip64 });
}

/**
 * What a reader must return for canonical tensor `name` of `model` after it was written as `type`: the stored
 * rounding of the official value, with the elementwise transform applied again (docs/canonical-model.md).
 */
export function expectedCanonicalValues(model: CanonicalModel, name: string, type: OfficialType): Float32Array {
  const tensor = model.tensors.get(name);
  if (tensor === undefined) throw new RangeError(`no tensor ${name}`);
  const transform = VALUE_TRANSFORMS[model.spec.generation][name.replace(/^blocks\.\d+\./, '')];
  if (transform === undefined) return roundToType(tensor.data, type);
  return roundToType(tensor.data.map(transform.toOfficial), type).map(transform.fromOfficial);
}

/** Asserts that `loaded` holds exactly `model`'s tensors as stored in `type` (bits compared, not values). */
export function expectCanonical(loaded: CanonicalModel, model: CanonicalModel, type: OfficialType): void {
  expect(loaded.spec).toEqual({ ...model.spec, weightType: type });
  expect([...loaded.tensors.keys()].sort()).toEqual([...model.tensors.keys()].sort());
  for (const [name, tensor] of model.tensors) {
    const read = loaded.tensors.get(name);
    expect(read?.shape, name).toEqual(tensor.shape);
    expect(read?.sourceType, name).toBe(type);
    const expected = expectedCanonicalValues(model, name, type);
    const got = read?.data ?? new Float32Array();
    expect(new Uint32Array(got.buffer, got.byteOffset, got.length), name).toEqual(new Uint32Array(expected.buffer));
  }
}
