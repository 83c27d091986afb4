/**
 * Every rwkv.cpp fixture file: the inferred spec against rwkv-notes.md's table, canonical shapes, FP16 and
 * quantized values against the FP32 file, byte-exact round trips through the writer, and identical tensors from
 * streams of any chunk size.
 */
import { readdirSync } from 'node:fs';
import { expect, test } from 'vitest';
import { ByteStreamReader } from '../../src/formats/byte-stream.js';
import { f16BitsToF32, f32ToF16Bits } from '../../src/numeric/half.js';
import { loadCanonicalModel } from '../../src/formats/load.js';
import type { RwkvCppRecord } from '../../src/formats/rwkv-cpp/format.js';
import { streamRwkvCpp } from '../../src/formats/rwkv-cpp/stream.js';
import { writeRwkvCpp } from '../../src/formats/rwkv-cpp/writer.js';
import type { CanonicalModel, ModelSpec, SourceType } from '../../src/model/spec.js';
import { describeWithFixtures, fixturePath, readFixture } from '../fixtures.js';
import { chunked, expectSameBits, expectSameRecords, readRecords } from './helpers.js';

type ExpectedSpec = Omit<ModelSpec, 'weightType' | 'nVocab'>;

/** rwkv-notes.md's table of the tiny fixture models (LoRA widths of v6 from its tensor dims). */
const MODELS: Record<string, ExpectedSpec> = {
  '4v0-660K': { generation: '4', nEmbed: 128, nLayer: 4, nHead: 0, headSize: 0, nFfn: 256, lora: {} },
  '5v1-730K': { generation: '5.1', nEmbed: 64, nLayer: 12, nHead: 8, headSize: 8, nFfn: 256, lora: {} },
  '5v2-730K': { generation: '5.2', nEmbed: 64, nLayer: 12, nHead: 8, headSize: 8, nFfn: 256, lora: {} },
  '6v0-3m': {
    generation: '6',
    nEmbed: 128,
    nLayer: 12,
    nHead: 16,
    headSize: 8,
    nFfn: 448,
    lora: { mix: 32, decay: 64 },
  },
  '7v0-834K': {
    generation: '7',
    nEmbed: 64,
    nLayer: 12,
    nHead: 1,
    headSize: 64,
    nFfn: 256,
    lora: { decay: 32, iclr: 32, gate: 32, valueResidual: 32 },
  },
};

const WEIGHT_TYPES: Record<string, SourceType> = {
  FP32: 'f32',
  FP16: 'f16',
  Q4_0: 'q4_0',
  Q4_1: 'q4_1',
  Q5_0: 'q5_0',
  Q5_1: 'q5_1',
  Q8_0: 'q8_0',
};

/** Largest error of a block's values relative to the block's largest magnitude, per type (see the test). */
const BLOCK_TOLERANCE: Record<string, number> = { q4_0: 0.126, q4_1: 0.068, q5_0: 0.064, q5_1: 0.034, q8_0: 0.005 };

const F16_SCALE_SLACK = 128 * 2 ** -25;

interface FixtureFile {
  model: string;
  format: string;
  file: string;
}

function fixtureFiles(): FixtureFile[] {
  const pattern = /^tiny-rwkv-(.+)-(FP32|FP16|Q\d_\d)\.bin$/;
  return readdirSync(fixturePath('rwkv-cpp'))
    .map((file) => ({ file, match: pattern.exec(file) }))
    .filter(({ match }) => match !== null)
    .map(({ file, match }) => ({ model: match![1], format: match![2], file }))
    .sort((a, b) => a.file.localeCompare(b.file));
}

async function collectRecords(source: Uint8Array | AsyncIterable<Uint8Array>): Promise<RwkvCppRecord[]> {
  return (await readRecords(source)).records;
}

const modelCache = new Map<string, CanonicalModel>();
async function load(file: string): Promise<CanonicalModel> {
  let model = modelCache.get(file);
  if (model === undefined) {
    model = await loadCanonicalModel(readFixture('rwkv-cpp', file));
    modelCache.set(file, model);
  }
  return model;
}

describeWithFixtures('rwkv.cpp fixture files', () => {
  const files = fixtureFiles();

  test('all 22 fixture files are present and covered', () => {
    expect(files.length).toBe(22);
    expect(new Set(files.map((f) => f.model))).toEqual(new Set(Object.keys(MODELS)));
  });

  test.each(fixtureFiles())('$file: spec and canonical shapes', async ({ model, format, file }) => {
    const loaded = await load(file);
    expect(loaded.spec).toEqual({ ...MODELS[model], nVocab: 256, weightType: WEIGHT_TYPES[format] });
    const c = loaded.spec.nEmbed;
    const tensors = loaded.tensors;
    expect(tensors.get('emb.weight')!.shape).toEqual([256, c]);
    expect(tensors.get('head.weight')!.shape).toEqual([256, c]);
    expect(tensors.get('blocks.11.ffn.value.weight')?.shape ?? tensors.get('blocks.3.ffn.value.weight')!.shape).toEqual(
      [c, loaded.spec.nFfn],
    );
    const { generation, nHead, headSize } = loaded.spec;
    if (generation === '5.1') expect(tensors.get('blocks.0.att.time_decay')!.shape).toEqual([nHead]);
    if (generation === '5.2' || generation === '6') {
      expect(tensors.get('blocks.0.att.time_faaaa')!.shape).toEqual([nHead, headSize]);
    }
    if (generation === '6') expect(tensors.get('blocks.0.att.time_maa_w2')!.shape).toEqual([5, c, 32]);
    if (generation === '7') {
      expect(tensors.get('blocks.0.att.r_k')!.shape).toEqual([1, 64]);
      expect(tensors.get('blocks.0.att.x_rwkvag')!.shape).toEqual([6, c]);
      expect(tensors.get('blocks.0.att.w0')!.shape).toEqual([c]);
      expect(tensors.has('blocks.0.att.v1')).toBe(false);
      expect(tensors.get('blocks.1.att.v1')!.shape).toEqual([32, c]);
    }
    for (const tensor of tensors.values()) expect(tensor.data.length).toBe(tensor.shape.reduce((a, b) => a * b, 1));
  });

  test.each(fixtureFiles().filter((f) => f.format !== 'FP32' && f.model !== '6v0-3m'))(
    '$file: values agree with the FP32 file',
    async ({ model, file }) => {
      const reference = await load(`tiny-rwkv-${model}-FP32.bin`);
      const loaded = await load(file);
      for (const [name, tensor] of loaded.tensors) {
        const exact = reference.tensors.get(name)!.data;
        if (tensor.sourceType === 'f32') {
          expectSameBits(tensor.data, exact, name);
        } else if (tensor.sourceType === 'f16') {
          // The FP16 file is the FP32 file rounded to nearest even f16.
          const rounded = exact.map((value) => f16BitsToF32(f32ToF16Bits(value)));
          expectSameBits(tensor.data, rounded, name);
        } else {
          // Per 32-value block: |q − x| ≤ tolerance · max|x| (Q4_0's step is max/8 at worst, Q8_0's max/127, …)
          // plus the f16 resolution of the scale d (2^-25, times |q| ≤ 128), which flushes tiny blocks to 0.
          const tolerance = BLOCK_TOLERANCE[tensor.sourceType];
          for (let start = 0; start < exact.length; start += 32) {
            const reference32 = exact.subarray(start, start + 32);
            const amax = Math.max(...reference32.map(Math.abs));
            const worst = Math.max(
              ...tensor.data.subarray(start, start + 32).map((v, i) => Math.abs(v - reference32[i])),
            );
            if (worst > tolerance * amax + F16_SCALE_SLACK) {
              throw new Error(`${name} block ${start / 32}: error ${worst} > ${tolerance} × ${amax}`);
            }
          }
        }
      }
    },
  );

  test.each(fixtureFiles())('$file: records round-trip byte-exactly through the writer', async ({ file }) => {
    const bytes = readFixture('rwkv-cpp', file);
    const { header, records } = await readRecords(bytes);
    expectSameBits(writeRwkvCpp(header, records), bytes, file);
  });

  test.each([7, 4096, 65536])('streams of %i-byte chunks give identical records', async (chunkSize) => {
    const bytes = readFixture('rwkv-cpp', 'tiny-rwkv-6v0-3m-Q5_1.bin');
    const whole = await collectRecords(bytes);
    const streamed = await collectRecords(chunked(bytes, chunkSize));
    expect(streamed.length).toBe(342);
    expectSameRecords(streamed, whole);
  });

  test('a stream of 1-byte chunks gives the same canonical model as the whole file', async () => {
    const bytes = readFixture('rwkv-cpp', 'tiny-rwkv-5v2-730K-Q4_0.bin');
    const whole = await loadCanonicalModel(bytes);
    const streamed = await loadCanonicalModel(chunked(bytes, 1));
    expect(streamed.spec).toEqual(whole.spec);
    expect([...streamed.tensors.keys()]).toEqual([...whole.tensors.keys()]);
    for (const [name, tensor] of whole.tensors) {
      const other = streamed.tensors.get(name)!;
      expect([other.shape, other.sourceType]).toEqual([tensor.shape, tensor.sourceType]);
      expectSameBits(other.data, tensor.data, name);
    }
  });

  test('tensors stream one at a time before the file has fully arrived', async () => {
    const bytes = readFixture('rwkv-cpp', 'tiny-rwkv-7v0-834K-FP16.bin');
    let delivered = 0;
    async function* counting(): AsyncGenerator<Uint8Array> {
      for await (const chunk of chunked(bytes, 4096)) {
        delivered += chunk.length;
        yield chunk;
      }
    }
    const stream = await streamRwkvCpp(new ByteStreamReader(counting()));
    const arrivals: { name: string; shape: readonly number[]; sourceType: string; delivered: number }[] = [];
    await stream.forEachTensor(
      ({ name, shape, sourceType }) => void arrivals.push({ name, shape, sourceType, delivered }),
    );
    expect(arrivals[0]).toMatchObject({ name: 'emb.weight', shape: [256, 64], sourceType: 'f16' });
    expect(arrivals[0].delivered).toBeLessThan(bytes.length / 10);
    expect(arrivals.at(-1)!.delivered).toBeGreaterThan(arrivals[0].delivered);
  });
});
