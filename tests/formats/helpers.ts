/**
 * Shared helpers of the format tests: chunked byte streams, a seeded PRNG, and `.bin` files built from synthetic
 * canonical models (src/generations/synthetic.ts, written independently from docs/canonical-model.md).
 */
import { expect } from 'vitest';
import { ModelFormatError } from '../../src/errors.js';
import { memorySource } from '../../src/formats/random-access.js';
import type { RandomAccessSource } from '../../src/formats/random-access.js';
import type { RwkvCppDataType, RwkvCppHeader, RwkvCppRecord } from '../../src/formats/rwkv-cpp/format.js';
import { tensorRecord, writeRwkvCpp } from '../../src/formats/rwkv-cpp/writer.js';
import { openRwkvCpp, readExactly } from '../../src/formats/rwkv-cpp/reader.js';
import { ByteStreamReader, type ByteSource } from '../../src/formats/byte-stream.js';
import type { Generation, LoraDims } from '../../src/model/spec.js';
import { createSyntheticModel } from '../../src/generations/synthetic.js';
import type { CanonicalModel } from '../../src/model/spec.js';
import { checkpointStream } from '../../src/formats/checkpoint-stream.js';
import { openPth } from '../../src/formats/pth/reader.js';
import { openSafetensors } from '../../src/formats/safetensors/reader.js';
import { collectModel } from '../../src/formats/tensor-stream.js';

/** `bytes` as an async stream of `chunkSize`-byte chunks (the last one shorter). */
export async function* chunked(bytes: Uint8Array, chunkSize: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += chunkSize) yield bytes.slice(at, at + chunkSize);
}

/** mulberry32: deterministic uniform values in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SMALL_LORA: Partial<Record<Generation, LoraDims>> = {
  '6': { mix: 32, decay: 32 },
  '7': { decay: 32, iclr: 32, valueResidual: 32, gate: 64 },
};

/** Small synthetic models of every generation: rows are multiples of 32 so that matrices can be quantized. */
export function smallModel(generation: Generation, nLayer = 2): CanonicalModel {
  return createSyntheticModel({
    generation,
    nLayer,
    nEmbed: 64,
    headSize: generation === '4' ? undefined : 32,
    nFfn: 96,
    nVocab: 40,
    lora: SMALL_LORA[generation],
    seed: 1234 + nLayer,
  });
}

/** The records of a canonical model: FP32, or FP16 matrices (as rwkv.cpp stores an FP16 model). */
export function modelRecords(model: CanonicalModel, dataType: 'f32' | 'f16'): RwkvCppRecord[] {
  return [...model.tensors.values()].map((tensor) =>
    tensorRecord(tensor, tensor.shape.length === 2 && dataType === 'f16' ? 'f16' : 'f32'),
  );
}

export function headerOf(model: CanonicalModel, dataType: RwkvCppDataType, version = 101): RwkvCppHeader {
  const { nVocab, nEmbed, nLayer } = model.spec;
  return { version, nVocab, nEmbed, nLayer, dataType };
}

/** A `.bin` file of a synthetic model. */
export function modelFile(model: CanonicalModel, dataType: 'f32' | 'f16'): Uint8Array {
  return writeRwkvCpp(headerOf(model, dataType), modelRecords(model, dataType));
}

/** Asserts that `promise` rejects with a ModelFormatError whose message matches `pattern`. */
export async function expectFormatError(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error, 'expected a ModelFormatError').toBeInstanceOf(ModelFormatError);
  expect((error as Error).message).toMatch(pattern);
}

/**
 * Runs `load` on a corrupted file: 'loaded' when it succeeds, 'refused' when it throws a ModelFormatError; any
 * other error fails the test (hostile input must never escape as another error).
 */
export async function loadOrRefuse(load: () => Promise<unknown>): Promise<'loaded' | 'refused'> {
  try {
    await load();
    return 'loaded';
  } catch (error) {
    if (!(error instanceof ModelFormatError)) throw error;
    return 'refused';
  }
}

/** Index of the first element whose bits differ (so NaN and −0 compare by bits), −1 when identical. */
export function firstDifference(actual: Uint8Array | Float32Array, expected: Uint8Array | Float32Array): number {
  const a = Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength);
  const b = Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength);
  if (a.equals(b)) return -1;
  let at = 0;
  while (at < a.length && at < b.length && a[at] === b[at]) at++;
  return Math.floor(at / actual.BYTES_PER_ELEMENT);
}

/** Fails with the first differing index unless both arrays hold the same bytes (fast on large arrays). */
export function expectSameBits(
  actual: Uint8Array | Float32Array,
  expected: Uint8Array | Float32Array,
  label: string,
): void {
  expect(actual.byteLength, `${label}: byte length`).toBe(expected.byteLength);
  expect(firstDifference(actual, expected), `${label}: first differing element`).toBe(-1);
}

/** Fails unless two record lists are identical (names, dims, types, data bytes). */
export function expectSameRecords(actual: readonly RwkvCppRecord[], expected: readonly RwkvCppRecord[]): void {
  expect(actual.map(({ data: _, ...rest }) => rest)).toEqual(expected.map(({ data: _, ...rest }) => rest));
  actual.forEach((record, i) => expectSameBits(record.data, expected[i].data, record.name));
}

/** A source that records every read, to check that tensors are fetched one at a time and only when due. */
export function recordingSource(bytes: Uint8Array): { source: RandomAccessSource; reads: [number, number][] } {
  const inner = memorySource(bytes);
  const reads: [number, number][] = [];
  return {
    reads,
    source: {
      bytes: inner.bytes,
      read: (offset, length) => {
        reads.push([offset, length]);
        return inner.read(offset, length);
      },
    },
  };
}

/** The header and the records of an rwkv.cpp file, read the way its model stream reads them (recordHeads). */
export async function readRecords(source: ByteSource): Promise<{ header: RwkvCppHeader; records: RwkvCppRecord[] }> {
  const reader = new ByteStreamReader(source);
  const file = await openRwkvCpp(reader);
  const records: RwkvCppRecord[] = [];
  for await (const { byteLength, ...head } of file.recordHeads()) {
    records.push({ ...head, data: await readExactly(reader, byteLength, `the data of tensor '${head.name}'`) });
  }
  return { header: file.header, records };
}

/** A whole `.pth` model read into memory through the stream every loader reads once the format is known. */
export async function loadPthModel(source: RandomAccessSource): Promise<CanonicalModel> {
  return collectModel(checkpointStream(await openPth(source), 'pytorch-zip', source.bytes));
}

/** A whole safetensors model read into memory through the stream every loader reads once the format is known. */
export async function loadSafetensorsModel(source: RandomAccessSource): Promise<CanonicalModel> {
  return collectModel(checkpointStream(await openSafetensors(source), 'safetensors', source.bytes));
}
