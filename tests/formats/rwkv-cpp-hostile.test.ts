/**
 * Hostile and malformed `.bin` files: every header and tensor-header check, truncation at every tensor boundary
 * and inside every part of a tensor, inconsistent tensor sets, and seeded random corruption. Each must end in a
 * ModelFormatError with a message naming the problem, quickly, from whole buffers and from streams alike.
 */
import { describe, expect, test } from 'vitest';
import { ModelFormatError } from '../../src/errors.js';
import { loadCanonicalModel } from '../../src/formats/load.js';
import type { RwkvCppRecord } from '../../src/formats/rwkv-cpp/format.js';
import { openRwkvCpp } from '../../src/formats/rwkv-cpp/reader.js';
import { writeRwkvCpp } from '../../src/formats/rwkv-cpp/writer.js';
import { describeWithFixtures, readFixture } from '../fixtures.js';
import { joinArrays } from '../../src/formats/join-arrays.js';
import {
  chunked,
  expectFormatError,
  headerOf,
  modelRecords,
  readRecords,
  seededRandom,
  smallModel,
} from './helpers.js';

const MAGIC = 0x67676d66;

function int32s(...values: number[]): Uint8Array {
  const bytes = new Uint8Array(4 * values.length);
  values.forEach((value, i) => new DataView(bytes.buffer).setInt32(4 * i, value, true));
  return bytes;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return joinArrays(parts, Uint8Array);
}

/** A header (version 101, V 40, C 64, 2 layers, FP32 unless overridden) followed by raw tensor bytes. */
function header(fields: Partial<Record<'magic' | 'version' | 'nVocab' | 'nEmbed' | 'nLayer' | 'type', number>> = {}) {
  const f = { magic: MAGIC, version: 101, nVocab: 40, nEmbed: 64, nLayer: 2, type: 0, ...fields };
  return int32s(f.magic, f.version, f.nVocab, f.nEmbed, f.nLayer, f.type);
}

/** One raw tensor: dim_count, key length, type, dims, key bytes, data. */
function rawTensor(dims: number[], type: number, key: string | Uint8Array, data: Uint8Array, dimCount = dims.length) {
  const keyBytes = typeof key === 'string' ? new TextEncoder().encode(key) : key;
  return concat(int32s(dimCount, keyBytes.length, type, ...dims), keyBytes, data);
}

/** Rejects from a whole buffer and from a stream of small chunks, both with the same message. */
async function expectRejected(bytes: Uint8Array, pattern: RegExp, chunkSize = 3): Promise<void> {
  await expectFormatError(readAll(bytes), pattern);
  await expectFormatError(readAll(chunked(bytes, chunkSize)), pattern);
}

async function readAll(source: Uint8Array | AsyncIterable<Uint8Array>): Promise<number> {
  const { records } = await readRecords(source);
  return records.reduce((count, record) => count + record.data.length, 0);
}

describe('file header', () => {
  test.each([
    ['an empty file', new Uint8Array(0), /the rwkv.cpp file header needs 24 bytes but only 0 remain \(24 missing\)/],
    ['a cut header', header().subarray(0, 10), /header needs 24 bytes but only 10 remain \(14 missing\)/],
    ['a bad magic', header({ magic: 0x12345678 }), /not an rwkv.cpp model file: magic is 0x12345678/],
    ['version 99', header({ version: 99 }), /unsupported rwkv.cpp file version 99 \(supported: 100, 101\)/],
    ['version 102', header({ version: 102 }), /unsupported rwkv.cpp file version 102/],
    ['n_vocab 0', header({ nVocab: 0 }), /n_vocab is 0, expected 1 to/],
    ['negative n_vocab', header({ nVocab: -5 }), /n_vocab is -5/],
    ['huge n_vocab', header({ nVocab: 1 << 30 }), /n_vocab is 1073741824/],
    ['n_embed 0', header({ nEmbed: 0 }), /n_embed is 0/],
    ['huge n_embed', header({ nEmbed: 1 << 20 }), /n_embed is 1048576/],
    ['n_layer 0', header({ nLayer: 0 }), /n_layer is 0/],
    ['huge n_layer', header({ nLayer: 100000 }), /n_layer is 100000/],
    ['removed type 4', header({ type: 4 }), /file header: data type 4 \(Q4_1_O\) was removed/],
    ['removed type 5', header({ type: 5 }), /data type 5 \(Q4_2\) was removed/],
    ['removed type 6', header({ type: 6 }), /data type 6 \(Q4_3\) was removed/],
    ['unknown type 10', header({ type: 10 }), /unknown data type 10/],
    ['negative type', header({ type: -1 }), /unknown data type -1/],
    ['quantized in version 100', header({ version: 100, type: 2 }), /Q4_0 data in a version 100 file/],
  ])('%s', async (_, bytes, pattern) => {
    await expectRejected(bytes, pattern);
  });

  test('a rejected header releases the source stream', async () => {
    let released = false;
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        yield header({ version: 7 });
        yield new Uint8Array(1000);
      } finally {
        released = true;
      }
    }
    await expectFormatError(openRwkvCpp(source()), /version 7/);
    expect(released).toBe(true);
  });

  test('a valid header with no tensors reads as an empty file', async () => {
    expect(await readAll(header())).toBe(0);
  });
});

describe('tensor headers', () => {
  const f32 = (count: number) => new Uint8Array(4 * count);
  test.each([
    ['dim_count 0', rawTensor([], 0, 'x', f32(1), 0), /tensor #0: dim_count is 0, expected 1 to 3/],
    ['dim_count 4', rawTensor([2, 2, 2, 2], 0, 'x', f32(16)), /dim_count is 4/],
    ['negative dim_count', rawTensor([2], 0, 'x', f32(2), -1), /dim_count is -1/],
    ['an empty key', rawTensor([2], 0, '', f32(2)), /key length is 0 bytes, expected 1 to 1024/],
    ['a 2000-byte key', rawTensor([2], 0, 'k'.repeat(2000), f32(2)), /key length is 2000 bytes/],
    ['a non-UTF-8 key', rawTensor([2], 0, new Uint8Array([0x61, 0xff, 0xfe]), f32(2)), /the key is not valid UTF-8/],
    ['removed type 6', rawTensor([32], 6, 'w', f32(32)), /tensor 'w': data type 6 \(Q4_3\) was removed/],
    ['unknown type 12', rawTensor([32], 12, 'w', f32(32)), /tensor 'w': unknown data type 12/],
    ['a zero dim', rawTensor([64, 0], 0, 'w', f32(0)), /tensor 'w': dims \[64, 0\] must all be positive/],
    ['a negative dim', rawTensor([-4], 0, 'w', f32(0)), /dims \[-4\] must all be positive/],
    [
      'more values than any tensor can hold',
      rawTensor([1 << 30, 1 << 30], 0, 'w', f32(0)),
      /tensor 'w': dims \[1073741824, 1073741824\] hold more values than any tensor of a model with n_vocab 40 and n_embed 64 \(at most 65536\)/,
    ],
    [
      'a quantized row that is not whole blocks',
      rawTensor([48, 2], 2, 'w', new Uint8Array(54)),
      /tensor 'w': Q4_0 rows must be whole 32-value blocks, but ne0 is 48/,
    ],
  ])('%s', async (_, tensor, pattern) => {
    await expectRejected(concat(header(), tensor), pattern);
  });

  test('a quantized tensor in a version 100 file', async () => {
    const tensor = rawTensor([32], 2, 'w', new Uint8Array(18));
    await expectRejected(concat(header({ version: 100 }), tensor), /tensor 'w': Q4_0 data in a version 100 file/);
  });

  test('more tensors than the layer count allows', async () => {
    const tiny = rawTensor([1], 0, 't', new Uint8Array(4));
    const tensors = Array.from({ length: 129 }, () => tiny);
    await expectRejected(concat(header({ nLayer: 1 }), ...tensors), /tensor #128 \(after 't'\): more than 128 tensors/);
  });

  test('a huge declared tensor on a stream is rejected without allocating it', async () => {
    // Within the header's limits (V 2^20, C 2^16: up to 2^36 values) but far beyond the bytes that follow.
    const bytes = concat(header({ nVocab: 1 << 20, nEmbed: 1 << 16 }), rawTensor([1 << 16, 1 << 20], 0, 'emb', f32(8)));
    const started = performance.now();
    await expectRejected(bytes, /the data of tensor 'emb' needs 274877906944 bytes but only 32 remain/);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('truncation', () => {
  const model = smallModel('7');
  const records = modelRecords(model, 'f16');
  const bytes = writeRwkvCpp(headerOf(model, 'f16'), records);
  const starts = recordStarts(records);

  test('at every tensor boundary: the missing tensors are named', async () => {
    for (let i = 1; i < records.length; i++) {
      await expectFormatError(loadCanonicalModel(bytes.subarray(0, starts[i])), /missing tensor '[^']+'|cannot tell/);
    }
  });

  test('inside every part of every tensor: what was cut and how much is missing', async () => {
    for (let i = 0; i < records.length; i++) {
      const record = records[i];
      const keyAt = starts[i] + 12 + 4 * record.dims.length;
      const dataAt = keyAt + new TextEncoder().encode(record.name).length;
      const previous = i === 0 ? '' : ` \\(after '${records[i - 1].name.replaceAll('.', '\\.')}'\\)`;
      const cuts: [number, RegExp][] = [
        [
          starts[i] + 5,
          new RegExp(`the header of tensor #${i}${previous} needs 12 bytes but only 5 remain \\(7 missing\\)`),
        ],
        [
          keyAt - 1,
          new RegExp(
            `the dims of tensor #${i}.* needs ${4 * record.dims.length} bytes but only ${4 * record.dims.length - 1} remain`,
          ),
        ],
        [dataAt - 1, new RegExp(`the key of tensor #${i}.* \\(1 missing\\)`)],
        [
          dataAt + 3,
          new RegExp(
            `the data of tensor '${record.name}' needs ${record.data.length} bytes but only 3 remain \\(${record.data.length - 3} missing\\)`,
          ),
        ],
      ];
      for (const [cut, pattern] of cuts) await expectRejected(bytes.subarray(0, cut), pattern, 1000);
    }
  });
});

describe('inconsistent tensor sets', () => {
  const model = smallModel('5.2');
  const records = modelRecords(model, 'f32');
  const rebuilt = (edit: (records: RwkvCppRecord[]) => RwkvCppRecord[], nLayer = 2) =>
    loadCanonicalModel(writeRwkvCpp({ ...headerOf(model, 'f32'), nLayer }, edit([...records])));
  const named = (name: string) => records.find((record) => record.name === name)!;

  test('a duplicate tensor', async () => {
    await expectFormatError(
      rebuilt((r) => [...r, named('blocks.0.ln1.weight')]),
      /duplicate tensor 'blocks\.0\.ln1\.weight'/,
    );
  });

  test('a missing tensor', async () => {
    await expectFormatError(
      rebuilt((r) => r.filter((record) => record.name !== 'blocks.1.att.gate.weight')),
      /missing tensor 'blocks\.1\.att\.gate\.weight' for a v5\.2 model \(n_embed 64, n_vocab 40, ffn 96, 2 × 32 heads\)/,
    );
  });

  test('a transposed matrix', async () => {
    await expectFormatError(
      rebuilt((r) =>
        r.map((record) => (record.name === 'blocks.1.ffn.key.weight' ? { ...record, dims: [96, 64] } : record)),
      ),
      /tensor 'blocks\.1\.ffn\.key\.weight' has shape \[64,96\], expected \[96,64\]/,
    );
  });

  test('an unexpected tensor', async () => {
    await expectFormatError(
      rebuilt((r) => [...r, { ...named('blocks.0.ln1.weight'), name: 'blocks.0.att.extra' }]),
      /unexpected tensor 'blocks\.0\.att\.extra'/,
    );
  });

  test('a block index far beyond the tensor count', async () => {
    await expectFormatError(
      rebuilt((r) => [...r, { ...named('blocks.0.ln1.weight'), name: 'blocks.999999.ln1.weight' }]),
      /mention block 999999, but the model holds only \d+ tensors/,
    );
  });

  test('a header that disagrees with the tensors', async () => {
    await expectFormatError(
      rebuilt((r) => r, 3),
      /header disagrees with its tensors: n_layer 3 but the tensors say 2/,
    );
  });

  test('no generation signature', async () => {
    await expectFormatError(
      rebuilt((r) => r.filter((record) => !record.name.startsWith('blocks.0.att.time_'))),
      /cannot tell the RWKV generation/,
    );
  });

  test('heads that do not divide n_embed', async () => {
    const v51 = smallModel('5.1');
    const bad = modelRecords(v51, 'f32').map((record) =>
      record.name === 'blocks.0.att.time_decay' ? { ...record, dims: [3], data: new Uint8Array(12) } : record,
    );
    await expectFormatError(
      loadCanonicalModel(writeRwkvCpp(headerOf(v51, 'f32'), bad)),
      /tensor 'blocks\.0\.att\.time_decay' implies 3 heads/,
    );
  });
});

/** Byte offset of each record in a file written by writeRwkvCpp. */
function recordStarts(records: readonly RwkvCppRecord[]): number[] {
  const starts: number[] = [];
  let at = 24;
  for (const record of records) {
    starts.push(at);
    at += 12 + 4 * record.dims.length + new TextEncoder().encode(record.name).length + record.data.length;
  }
  return starts;
}

/**
 * Flips 1–4 bytes (mostly in tensor headers and keys, where they change structure) and sometimes truncates; the
 * load must resolve or reject with a ModelFormatError, within a time bound.
 */
async function fuzz(bytes: Uint8Array, records: readonly RwkvCppRecord[], iterations: number, seed: number) {
  const random = seededRandom(seed);
  const starts = recordStarts(records);
  const structural = (i: number) => {
    const record = records[i];
    return starts[i] + Math.floor(random() * (12 + 4 * record.dims.length + record.name.length));
  };
  let rejected = 0;
  for (let iteration = 0; iteration < iterations; iteration++) {
    const corrupted = bytes.slice();
    const flips = 1 + Math.floor(random() * 4);
    for (let f = 0; f < flips; f++) {
      const where = random();
      const at =
        where < 0.15
          ? Math.floor(random() * 24)
          : where < 0.8
            ? structural(Math.floor(random() * records.length))
            : Math.floor(random() * bytes.length);
      corrupted[at] ^= 1 << Math.floor(random() * 8);
    }
    const source = random() < 0.2 ? corrupted.subarray(0, Math.floor(random() * bytes.length)) : corrupted;
    const started = performance.now();
    const outcome = await loadCanonicalModel(
      random() < 0.5 ? source : chunked(source, 1 + Math.floor(random() * 5000)),
    ).then(
      () => 'loaded',
      (error: unknown) => error,
    );
    if (outcome !== 'loaded') {
      if (!(outcome instanceof ModelFormatError)) throw new Error(`iteration ${iteration}: ${String(outcome)}`);
      rejected++;
    }
    expect(performance.now() - started, `iteration ${iteration} took too long`).toBeLessThan(3000);
  }
  return rejected;
}

test('seeded random corruption of a synthetic v6 file', async () => {
  const model = smallModel('6');
  const records = modelRecords(model, 'f16');
  const rejected = await fuzz(writeRwkvCpp(headerOf(model, 'f16'), records), records, 400, 42);
  expect(rejected).toBeGreaterThan(300);
});

describeWithFixtures('fixture corruption', () => {
  test('seeded random corruption of a quantized fixture', async () => {
    const bytes = readFixture('rwkv-cpp', 'tiny-rwkv-5v2-730K-Q4_0.bin');
    const { records } = await readRecords(bytes);
    const rejected = await fuzz(bytes, records, 80, 7);
    expect(rejected).toBeGreaterThan(50);
  });

  test('truncation at every tensor boundary of a fixture', async () => {
    const bytes = readFixture('rwkv-cpp', 'tiny-rwkv-4v0-660K-Q5_0.bin');
    const { records } = await readRecords(bytes);
    const starts = recordStarts(records);
    for (let i = 1; i < records.length; i++) {
      await expectFormatError(loadCanonicalModel(bytes.subarray(0, starts[i])), /missing tensor|cannot tell/);
      const cut = starts[i] + 12 + 4 * records[i].dims.length + records[i].name.length + 1;
      await expectFormatError(
        loadCanonicalModel(bytes.subarray(0, cut)),
        new RegExp(`the data of tensor '${records[i].name}' needs ${records[i].data.length} bytes but only 1 remain`),
      );
    }
  });
});
