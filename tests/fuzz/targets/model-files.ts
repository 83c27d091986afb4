/**
 * Model files (rwkv.cpp `.bin`, `.pth`, safetensors; GGUF in ./gguf-files.ts) through the engine's loading path: `createEngine` on the CPU
 * backend in this thread — the model source, the format sniffing, the reader, the tokenizer check, the streamed
 * tensor set and the backend — from whole bytes (as an ArrayBuffer or a dropped file in memory) or from a Blob (read
 * by slices and streamed in chunks, as a File or a stored model is). Seeds: seeded synthetic byte-level models of
 * every generation written by the writers the format tests use, plus rwkv.cpp's tiny models when the fixtures are
 * present (quantized types included). Mutations: header fields set to extreme values, tensor headers and index entries
 * pointing past the end, tensors dropped, duplicated or renamed, truncations and byte flips.
 */
import { existsSync } from 'node:fs';
import { createEngine } from '../../../src/engine/engine.js';
import { ModelFormatError, TokenizerMismatchError } from '../../../src/errors.js';
import type { RwkvCppRecord } from '../../../src/formats/rwkv-cpp/format.js';
import { tensorRecord, writeRwkvCpp } from '../../../src/formats/rwkv-cpp/writer.js';
import type { CanonicalModel, Generation } from '../../../src/model/spec.js';
import { tinyModel } from '../../engine/helpers.js';
import { fixturePath, fixturesPresent, readFixture } from '../../fixtures.js';
import { officialTensors, writePth } from '../../helpers/write-pth.js';
import type { OfficialTensor, OfficialType } from '../../helpers/write-pth.js';
import { writeSafetensors } from '../../helpers/write-safetensors.js';
import {
  below,
  byteMutation,
  extremeField,
  extremeValue,
  flipBytes,
  pick,
  withInteger,
  type Mutant,
  type Random,
} from '../mutations.js';
import { joinArrays } from '../../../src/formats/join-arrays.js';
import type { FuzzCase, FuzzTarget } from '../target.js';

const GENERATIONS: readonly Generation[] = ['4', '5.1', '5.2', '6', '7'];

/** rwkv.cpp's tiny models used as extra seeds: every quantized type and FP16 (each load takes 0.1–1 s on the CPU). */
const FIXTURE_SEEDS = [
  'tiny-rwkv-4v0-660K-Q5_0.bin',
  'tiny-rwkv-5v1-730K-Q5_1.bin',
  'tiny-rwkv-5v2-730K-Q8_0.bin',
  'tiny-rwkv-7v0-834K-Q4_0.bin',
  'tiny-rwkv-7v0-834K-FP16.bin',
];
/** Share of the `.bin` cases drawn from the fixtures (synthetic seeds load in about 10 ms, fixtures 10–80× slower). */
const FIXTURE_SHARE = 0.03;

/** Loads `bytes` as the engine does, whole or as a Blob, and frees the engine. */
async function loadModel(bytes: Uint8Array, asBlob: boolean): Promise<void> {
  const model = asBlob ? new Blob([bytes as Uint8Array<ArrayBuffer>]) : bytes;
  const engine = await createEngine({ model, backend: 'cpu', worker: false });
  await engine.dispose();
}

/** A tensor list mutated as a set: one tensor dropped, duplicated, renamed to another's name, or its shape changed. */
export function mutateTensorSet<T extends { name: string }>(
  random: Random,
  tensors: readonly T[],
  reshape: (tensor: T) => T,
): { tensors: T[]; mutation: string } {
  const index = below(random, tensors.length);
  const name = tensors[index].name;
  const out = [...tensors];
  const roll = random();
  if (roll < 0.3) {
    out.splice(index, 1);
    return { tensors: out, mutation: `tensor ${name} missing` };
  }
  if (roll < 0.55) {
    out.splice(below(random, out.length + 1), 0, tensors[index]);
    return { tensors: out, mutation: `tensor ${name} duplicated` };
  }
  if (roll < 0.8) {
    const other = pick(random, tensors).name;
    out[index] = { ...tensors[index], name: other };
    return { tensors: out, mutation: `tensor ${name} renamed ${other}` };
  }
  out[index] = reshape(tensors[index]);
  return { tensors: out, mutation: `tensor ${name} reshaped` };
}

/** Another shape with as many values: the dims reversed, or a dim of 1 added in front or behind (up to `maxDims`). */
export function otherShape(random: Random, shape: readonly number[], maxDims = 4): number[] {
  if (shape.length > 1 && (random() < 0.5 || shape.length >= maxDims)) return [...shape].reverse();
  return random() < 0.5 ? [1, ...shape] : [...shape, 1];
}

// -- rwkv.cpp .bin --------------------------------------------------------------------------------------------------

interface BinSeed {
  name: string;
  bytes: Uint8Array;
  /** Where each tensor record starts (its header: dim count, key length, type, dims; then key and data). */
  recordStarts: number[];
  records?: RwkvCppRecord[];
  header?: Parameters<typeof writeRwkvCpp>[0];
}

function binSeed(name: string, model: CanonicalModel, dataType: 'f32' | 'f16'): BinSeed {
  const { nVocab, nEmbed, nLayer } = model.spec;
  const header = { version: dataType === 'f32' ? 100 : 101, nVocab, nEmbed, nLayer, dataType };
  const records = [...model.tensors.values()].map((tensor) =>
    tensorRecord(tensor, tensor.shape.length === 2 ? dataType : 'f32'),
  );
  const bytes = writeRwkvCpp(header, records);
  const recordStarts: number[] = [];
  let at = 24;
  for (const record of records) {
    recordStarts.push(at);
    at += writeRwkvCpp(header, [record]).length - 24;
  }
  return { name, bytes, recordStarts, records, header };
}

const BIN_HEADER_FIELDS = ['magic', 'version', 'n_vocab', 'n_embed', 'n_layer', 'data type'];

function mutateBin(random: Random, seed: BinSeed): Mutant {
  const roll = random();
  if (roll < 0.2) {
    const field = 1 + below(random, 5);
    return extremeField(random, seed.bytes, 4 * field, 32, `header ${BIN_HEADER_FIELDS[field]}`);
  }
  if (roll < 0.45 && seed.recordStarts.length > 0) {
    const start = pick(random, seed.recordStarts);
    const view = new DataView(seed.bytes.buffer, seed.bytes.byteOffset);
    const dims = Math.min(view.getInt32(start, true), 4);
    const field = below(random, 3 + dims);
    const what = ['dim count', 'key length', 'type', 'dim 0', 'dim 1', 'dim 2', 'dim 3'][field];
    return extremeField(random, seed.bytes, start + 4 * field, 32, `tensor at ${start}: ${what}`);
  }
  if (roll < 0.6 && seed.records && seed.header) {
    const set = mutateTensorSet(random, seed.records, (record) => ({
      ...record,
      dims: otherShape(random, record.dims, 3),
    }));
    return { input: writeRwkvCpp(seed.header, set.tensors), mutation: set.mutation };
  }
  if (roll < 0.7 && seed.recordStarts.length > 0) {
    const start = pick(random, seed.recordStarts);
    return flipBytes(random, seed.bytes, start, Math.min(seed.bytes.length, start + 48));
  }
  return byteMutation(random, seed.bytes, seed.recordStarts);
}

// -- .pth and safetensors -------------------------------------------------------------------------------------------

interface CheckpointSeed {
  name: string;
  bytes: Uint8Array;
  tensors: OfficialTensor[];
  write(tensors: readonly OfficialTensor[]): Uint8Array;
}

function checkpointSeed(
  name: string,
  model: CanonicalModel,
  write: (tensors: readonly OfficialTensor[]) => Uint8Array,
): CheckpointSeed {
  const tensors = officialTensors(model);
  return { name, bytes: write(tensors), tensors, write };
}

function mutateTensorList(random: Random, seed: CheckpointSeed): Mutant {
  const set = mutateTensorSet(random, seed.tensors, (tensor) => ({
    ...tensor,
    shape: otherShape(random, tensor.shape),
  }));
  return { input: seed.write(set.tensors), mutation: set.mutation };
}

/** Zip records and the offsets of their size, count and offset fields (APPNOTE 4.3.7, 4.3.12, 4.3.16, 4.3.14/15). */
const ZIP_FIELDS: ReadonlyArray<{
  signature: number;
  name: string;
  fields: ReadonlyArray<[number, 16 | 32 | 64, string]>;
}> = [
  {
    signature: 0x04034b50,
    name: 'local header',
    fields: [
      [8, 16, 'method'],
      [18, 32, 'compressed size'],
      [22, 32, 'size'],
      [26, 16, 'name length'],
      [28, 16, 'extra length'],
    ],
  },
  {
    signature: 0x02014b50,
    name: 'central entry',
    fields: [
      [10, 16, 'method'],
      [20, 32, 'compressed size'],
      [24, 32, 'size'],
      [28, 16, 'name length'],
      [30, 16, 'extra length'],
      [32, 16, 'comment length'],
      [42, 32, 'local header offset'],
    ],
  },
  {
    signature: 0x06054b50,
    name: 'end of central directory',
    fields: [
      [8, 16, 'entries on disk'],
      [10, 16, 'entries'],
      [12, 32, 'directory size'],
      [16, 32, 'directory offset'],
      [20, 16, 'comment length'],
    ],
  },
  {
    signature: 0x06064b50,
    name: 'zip64 end of central directory',
    fields: [
      [24, 64, 'entries on disk'],
      [32, 64, 'entries'],
      [40, 64, 'directory size'],
      [48, 64, 'directory offset'],
    ],
  },
  { signature: 0x07064b50, name: 'zip64 locator', fields: [[8, 64, 'end record offset']] },
];

/** Every zip record of a file: where it starts and which fields it has. */
function zipRecords(bytes: Uint8Array): Array<{ at: number; kind: (typeof ZIP_FIELDS)[number] }> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found: Array<{ at: number; kind: (typeof ZIP_FIELDS)[number] }> = [];
  for (let at = 0; at + 4 <= bytes.length; at++) {
    if (bytes[at] !== 0x50 || bytes[at + 1] !== 0x4b) continue;
    const kind = ZIP_FIELDS.find((entry) => entry.signature === view.getUint32(at, true));
    if (kind) found.push({ at, kind });
  }
  return found;
}

interface PthSeed extends CheckpointSeed {
  records: ReturnType<typeof zipRecords>;
  /** The pickle's bytes in the file. */
  pickle: [start: number, end: number];
}

function pthSeed(
  name: string,
  model: CanonicalModel,
  options: { type: OfficialType; zip64?: boolean; protocol?: 2 | 4 },
) {
  const seed = checkpointSeed(name, model, (tensors) => writePth(tensors, options));
  const records = zipRecords(seed.bytes);
  const first = records[0].at;
  const view = new DataView(seed.bytes.buffer, seed.bytes.byteOffset);
  const dataStart = first + 30 + view.getUint16(first + 26, true) + view.getUint16(first + 28, true);
  const pickle: [number, number] = [dataStart, dataStart + view.getUint32(first + 22, true)];
  return { ...seed, records, pickle } satisfies PthSeed;
}

function mutatePth(random: Random, seed: PthSeed): Mutant {
  const roll = random();
  if (roll < 0.35) {
    const record = pick(random, seed.records);
    const [offset, bits, what] = pick(random, record.kind.fields);
    return extremeField(random, seed.bytes, record.at + offset, bits, `${record.kind.name} at ${record.at}: ${what}`);
  }
  if (roll < 0.6) {
    const mutant = flipBytes(random, seed.bytes, ...seed.pickle);
    return { input: mutant.input, mutation: `pickle ${mutant.mutation}` };
  }
  if (roll < 0.75) return mutateTensorList(random, seed);
  return byteMutation(
    random,
    seed.bytes,
    seed.records.map((record) => record.at),
  );
}

interface SafetensorsSeed extends CheckpointSeed {
  headerEnd: number;
  data: Uint8Array;
  header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
}

function safetensorsSeed(name: string, model: CanonicalModel, type: OfficialType): SafetensorsSeed {
  const seed = checkpointSeed(name, model, (tensors) => writeSafetensors(tensors, { type }));
  const headerEnd = 8 + Number(new DataView(seed.bytes.buffer, seed.bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(seed.bytes.subarray(8, headerEnd))) as SafetensorsSeed['header'];
  return { ...seed, headerEnd, data: seed.bytes.subarray(headerEnd), header };
}

/** A safetensors file of `header` (as JSON text, possibly hand-edited) and `data`, with its length field. */
function safetensorsOf(json: string, data: Uint8Array): Uint8Array {
  const header = new TextEncoder().encode(json);
  return joinArrays([withInteger(new Uint8Array(8), 0, 64, header.length), header, data], Uint8Array);
}

function mutateSafetensorsEntry(random: Random, seed: SafetensorsSeed): Mutant {
  const header = structuredClone(seed.header);
  const names = Object.keys(header).filter((key) => key !== '__metadata__');
  const name = pick(random, names);
  const entry = header[name];
  const roll = random();
  let mutation: string;
  if (roll < 0.3) {
    const dim = below(random, entry.shape.length + 1);
    const value = pick(random, [0, -1, 1.5, 2 ** 31, 2 ** 53, 1e300, extremeValue(random, 32, seed.data.length)]);
    if (dim === entry.shape.length) entry.shape.push(value);
    else entry.shape[dim] = value;
    mutation = `${name}: shape [${entry.shape.join(', ')}]`;
  } else if (roll < 0.6) {
    const side = below(random, 2);
    entry.data_offsets[side] = extremeValue(random, 64, seed.data.length);
    mutation = `${name}: data_offsets [${entry.data_offsets.join(', ')}]`;
  } else if (roll < 0.75) {
    entry.dtype = pick(random, ['F64', 'I64', 'BOOL', 'F16', 'BF16', 'F32', '']);
    mutation = `${name}: dtype ${entry.dtype}`;
  } else {
    // The same key written twice (JSON.parse keeps the last), pointing at another tensor's data.
    const other = header[pick(random, names)];
    const json = JSON.stringify(header);
    const duplicate = `${JSON.stringify(name)}:${JSON.stringify(other)},`;
    return { input: safetensorsOf(`{${duplicate}${json.slice(1)}`, seed.data), mutation: `${name} written twice` };
  }
  return { input: safetensorsOf(JSON.stringify(header), seed.data), mutation };
}

function mutateSafetensors(random: Random, seed: SafetensorsSeed): Mutant {
  const roll = random();
  if (roll < 0.15) return extremeField(random, seed.bytes, 0, 64, 'header length');
  if (roll < 0.5) return mutateSafetensorsEntry(random, seed);
  if (roll < 0.65) return mutateTensorList(random, seed);
  if (roll < 0.8) return flipBytes(random, seed.bytes, 0, seed.headerEnd);
  return byteMutation(random, seed.bytes, [8, seed.headerEnd]);
}

// -- targets --------------------------------------------------------------------------------------------------------

const REFUSALS = [ModelFormatError, TokenizerMismatchError];
/**
 * A model's f32 tensors take 2× an FP16 file and about 7× a Q4_0 one, and the CPU backend adds its scratch and the
 * loader its transient copies; 16× the input plus 4 MiB bounds every honest load of these small files.
 */
const ALLOWANCE = { perInputByte: 16, fixedBytes: 4 << 20 };

export function modelTarget<S extends { name: string; bytes: Uint8Array }>(
  format: string,
  seeds: readonly S[],
  mutate: (random: Random, seed: S) => Mutant,
  rareSeeds: readonly S[] = [],
): FuzzTarget {
  return {
    format,
    refusals: REFUSALS,
    allowance: ALLOWANCE,
    nextCase(random): FuzzCase {
      const seed = rareSeeds.length > 0 && random() < FIXTURE_SHARE ? pick(random, rareSeeds) : pick(random, seeds);
      const { input, mutation } = mutate(random, seed);
      const asBlob = random() < 0.5;
      return {
        seed: `${seed.name} as ${asBlob ? 'Blob' : 'bytes'}`,
        mutation,
        inputBytes: input.length,
        run: () => loadModel(input, asBlob),
      };
    },
  };
}

export function modelFileTargets(): FuzzTarget[] {
  const models = GENERATIONS.map((generation, i) => [generation, tinyModel(generation, 11 + i)] as const);
  const bins: BinSeed[] = models.flatMap(([generation, model]) => [
    binSeed(`v${generation} FP32`, model, 'f32'),
    binSeed(`v${generation} FP16`, model, 'f16'),
  ]);
  const fixtures: BinSeed[] = FIXTURE_SEEDS.filter(
    (file) => fixturesPresent && existsSync(fixturePath('rwkv-cpp', file)),
  ).map((file) => ({ name: file, bytes: readFixture('rwkv-cpp', file), recordStarts: [] }));
  const pths = models.flatMap(([generation, model], i) => [
    pthSeed(`v${generation} f32`, model, { type: 'f32', protocol: i % 2 === 0 ? 2 : 4 }),
    pthSeed(`v${generation} bf16 zip64`, model, { type: 'bf16', zip64: true }),
  ]);
  const safetensors = models.flatMap(([generation, model]) => [
    safetensorsSeed(`v${generation} f32`, model, 'f32'),
    safetensorsSeed(`v${generation} f16`, model, 'f16'),
  ]);
  return [
    modelTarget('rwkv.cpp .bin', bins, mutateBin, fixtures),
    modelTarget('.pth', pths, mutatePth),
    modelTarget('safetensors', safetensors, mutateSafetensors),
  ];
}
