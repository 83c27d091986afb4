/**
 * Streaming model files tensor by tensor in runs of rows (src/formats/tensor-stream.ts): `.bin` files (FP32, FP16,
 * quantized fixtures) from whole buffers and from chunked streams, and `.pth` / safetensors by random access, give
 * exactly the values of the synthetic model they were written from, however small the runs; runs cover whole rows
 * in order; runs a consumer leaves unread are skipped; a stream is read once; the streamed fingerprint equals the
 * in-memory one; ByteStreamReader.readView shares memory only inside one chunk.
 */
import { describe, expect, test } from 'vitest';
import { ByteStreamReader } from '../../src/formats/byte-stream.js';
import { decodeTensorData } from '../../src/formats/tensor-data.js';
import { loadCanonicalModel, openModelStream } from '../../src/formats/load.js';
import { collectModel, planRuns, tensorValues } from '../../src/formats/tensor-stream.js';
import type { StreamedTensor, TensorRun } from '../../src/formats/tensor-stream.js';
import { GENERATIONS } from '../../src/model/spec.js';
import type { CanonicalModel } from '../../src/model/spec.js';
import { modelIdentity } from '../helpers/model-identity.js';
import { StreamFingerprint } from '../../src/worker/stream-fingerprint.js';
import { describeWithFixtures, readFixture } from '../fixtures.js';
import { chunked, expectSameBits, modelFile, smallModel } from '../formats/helpers.js';
import { expectCanonical, officialTensors, writePth } from '../helpers/write-pth.js';
import { writeSafetensors } from '../helpers/write-safetensors.js';

interface SeenTensor {
  tensor: StreamedTensor;
  runs: TensorRun[];
}

/** Every tensor with its runs (bytes copied: a run may be a view valid only until the next one). */
async function allRuns(source: Parameters<typeof openModelStream>[0], runBytes: number): Promise<SeenTensor[]> {
  const stream = await openModelStream(source, { runBytes });
  const seen: SeenTensor[] = [];
  await stream.forEachTensor(async (tensor) => {
    const runs: TensorRun[] = [];
    for await (const run of tensor.runs()) runs.push({ ...run, bytes: run.bytes.slice() });
    seen.push({ tensor, runs });
  });
  return seen;
}

function expectWholeRowsInOrder({ tensor, runs }: SeenTensor, runBytes: number): void {
  const rowLength = tensor.shape[tensor.shape.length - 1];
  const rows = tensor.shape.slice(0, -1).reduce((product, dim) => product * dim, 1);
  const rowBytes = runs[0].bytes.length / runs[0].rowCount;
  let next = 0;
  for (const run of runs) {
    expect(run.firstRow, tensor.name).toBe(next);
    expect(run.bytes.length).toBe(run.rowCount * rowBytes);
    expect(run.rowCount === 1 || run.bytes.length <= runBytes, `${tensor.name}: run of ${run.bytes.length}`).toBe(true);
    next += run.rowCount;
  }
  expect(next, tensor.name).toBe(rows);
  expect(rowLength).toBeGreaterThan(0);
}

function joined(dataType: StreamedTensor['dataType'], runs: readonly TensorRun[]): Float32Array {
  const parts = runs.map((run) => decodeTensorData(dataType, run.bytes));
  const out = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0));
  parts.reduce((at, part) => (out.set(part, at), at + part.length), 0);
  return out;
}

function expectSameModel(loaded: CanonicalModel, expected: CanonicalModel): void {
  expect(loaded.spec).toEqual(expected.spec);
  for (const [name, tensor] of expected.tensors) expectSameBits(loaded.tensors.get(name)!.data, tensor.data, name);
}

describe('planRuns', () => {
  test('whole rows, at most runBytes each (at least one row), covering every row once', () => {
    expect(planRuns(10, 100, 350)).toEqual([
      { firstRow: 0, rowCount: 3 },
      { firstRow: 3, rowCount: 3 },
      { firstRow: 6, rowCount: 3 },
      { firstRow: 9, rowCount: 1 },
    ]);
    expect(planRuns(3, 1000, 10)).toEqual([
      { firstRow: 0, rowCount: 1 },
      { firstRow: 1, rowCount: 1 },
      { firstRow: 2, rowCount: 1 },
    ]);
    expect(planRuns(4, 8, Number.POSITIVE_INFINITY)).toEqual([{ firstRow: 0, rowCount: 4 }]);
  });
});

describe.each(GENERATIONS)('v%s .bin streamed in runs', (generation) => {
  const model = smallModel(generation);

  test.each([100, 1000, 1 << 20])(
    'FP32, runs of at most %i bytes: whole rows in order, exact values',
    async (runBytes) => {
      const file = modelFile(model, 'f32');
      const seen = await allRuns(file, runBytes);
      expect(seen.map(({ tensor }) => tensor.name)).toEqual([...model.tensors.keys()]);
      for (const entry of seen) {
        expectWholeRowsInOrder(entry, runBytes);
        expect(entry.tensor.dataType).toBe('f32');
        expectSameBits(joined('f32', entry.runs), model.tensors.get(entry.tensor.name)!.data, entry.tensor.name);
      }
      expect(seen.find(({ tensor }) => tensor.name === 'emb.weight')!.runs.length).toBeGreaterThan(
        runBytes < 1000 ? 20 : 0,
      );
    },
  );

  test('FP16 from a stream of 777-byte chunks, 300-byte runs: the same model as loading it whole', async () => {
    const file = modelFile(model, 'f16');
    const stream = await openModelStream(chunked(file, 777), { runBytes: 300 });
    expect(stream).toMatchObject({ format: 'rwkv-cpp', weightType: 'f16', nVocab: model.spec.nVocab });
    expectSameModel(await collectModel(stream), await loadCanonicalModel(file));
  });
});

describe('runs a consumer leaves unread, and streams read once', () => {
  test('skipping every other tensor still reads the rest exactly and checks the set', async () => {
    const model = smallModel('6');
    const stream = await openModelStream(chunked(modelFile(model, 'f32'), 500), { runBytes: 256 });
    const read = new Map<string, Float32Array>();
    let index = 0;
    const checked = await stream.forEachTensor(async (tensor) => {
      if (index++ % 2 === 0) read.set(tensor.name, await tensorValues(tensor));
    });
    expect(checked.spec).toEqual(model.spec);
    expect(read.size).toBe(Math.ceil(model.tensors.size / 2));
    for (const [name, values] of read) expectSameBits(values, model.tensors.get(name)!.data, name);
    await expect(stream.forEachTensor(() => undefined)).rejects.toThrow(/only once/);
  });

  test('a tensor’s runs can be iterated once; bytesRead counts the file read', async () => {
    const file = modelFile(smallModel('7'), 'f32');
    const stream = await openModelStream(file, { runBytes: 4096 });
    expect(stream.bytes).toBe(file.length);
    await stream.forEachTensor(async (tensor) => {
      await tensorValues(tensor);
      expect(() => tensor.runs()).toThrow(/only once/);
    });
    expect(stream.bytesRead).toBe(file.length);
  });
});

describe('.pth and safetensors streamed by random access', () => {
  const model = smallModel('7');
  const files = {
    pth: () => writePth(officialTensors(model), { type: 'f16' }),
    safetensors: () => writeSafetensors(officialTensors(model), { type: 'f16' }),
  };

  test.each(Object.keys(files) as (keyof typeof files)[])(
    '%s: large tensors in raw f16 runs, the rest f32, canonical values',
    async (kind) => {
      const file = files[kind]();
      const seen = await allRuns(file, 512);
      const emb = seen.find(({ tensor }) => tensor.name === 'emb.weight')!;
      expect(emb.tensor.dataType).toBe('f16');
      expect(emb.runs.length).toBeGreaterThan(1);
      const decay = seen.find(({ tensor }) => tensor.name === 'blocks.0.att.w1')!;
      expect(decay.tensor.dataType, 'a transposed LoRA matrix comes whole, as f32').toBe('f32');
      for (const entry of seen) expectWholeRowsInOrder(entry, entry.tensor.dataType === 'f32' ? Infinity : 512);
      const stream = await openModelStream(file, { runBytes: 512 });
      expect(stream).toMatchObject({ format: kind === 'pth' ? 'pytorch-zip' : 'safetensors', weightType: 'f16' });
      expectCanonical(await collectModel(stream), model, 'f16');
    },
  );
});

describe('fingerprint of a streamed model', () => {
  test.each([
    ['FP32 .bin', () => modelFile(smallModel('5.2'), 'f32')],
    ['FP16 .bin', () => modelFile(smallModel('6'), 'f16')],
    ['bf16 .pth', () => writePth(officialTensors(smallModel('7')), { type: 'bf16' })],
  ])('%s: sampled from runs of 200 bytes, it equals modelIdentity of the model in memory', async (_, file) => {
    const bytes = file();
    const fingerprint = new StreamFingerprint();
    const collected = await collectModel(fingerprint.wrap(await openModelStream(bytes, { runBytes: 200 })));
    expect(fingerprint.identity()).toEqual(modelIdentity(collected));
    expect(modelIdentity(await loadCanonicalModel(bytes))).toEqual(modelIdentity(collected));
  });

  test('an unread stream has no identity', () => {
    expect(() => new StreamFingerprint().identity()).toThrow(/not read/);
  });
});

describeWithFixtures('quantized fixtures streamed in runs', () => {
  test.each(['tiny-rwkv-5v2-730K-Q5_1.bin', 'tiny-rwkv-7v0-834K-Q4_0.bin', 'tiny-rwkv-6v0-3m-Q5_0.bin'])(
    '%s: runs of whole 32-value blocks give the whole file’s values and fingerprint',
    async (name) => {
      const bytes = readFixture('rwkv-cpp', name);
      const whole = await loadCanonicalModel(bytes);
      const fingerprint = new StreamFingerprint();
      const streamed = await collectModel(
        fingerprint.wrap(await openModelStream(chunked(bytes, 4093), { runBytes: 300 })),
      );
      expectSameModel(streamed, whole);
      expect(fingerprint.identity()).toEqual(modelIdentity(whole));
    },
  );
});

describe('ByteStreamReader.readView', () => {
  test('a view into the current chunk inside it, a fresh copy across chunks; positions as read()', async () => {
    const first = Uint8Array.from({ length: 10 }, (_, i) => i);
    const second = Uint8Array.from({ length: 10 }, (_, i) => 10 + i);
    const reader = new ByteStreamReader(
      (async function* () {
        yield first;
        yield second;
      })(),
    );
    const inside = await reader.readView(4);
    expect(inside.buffer).toBe(first.buffer);
    expect([...inside]).toEqual([0, 1, 2, 3]);
    const across = await reader.readView(10);
    expect(across.buffer).not.toBe(first.buffer);
    expect(across.buffer).not.toBe(second.buffer);
    expect([...across]).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    expect(reader.position).toBe(14);
    expect([...(await reader.readView(10))]).toEqual([14, 15, 16, 17, 18, 19]);
  });
});
