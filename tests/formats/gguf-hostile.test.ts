/**
 * Hostile and broken GGUF files: huge counts and lengths, versions and alignments that do not exist, strings past
 * the end, truncation at every part of the header, tensor dims, types and offsets that cannot be (misaligned, past
 * the end, overlapping), duplicate names and keys, and seeded random byte flips — each a ModelFormatError (or a
 * successful load), never a hang or a large allocation, from a whole buffer and from a chunk stream.
 */
import { describe, expect, it } from 'vitest';
import { loadCanonicalModel } from '../../src/formats/load.js';
import { createSyntheticModel } from '../../src/generations/synthetic.js';
import { ggufOf, matricesAs, writeGguf } from '../helpers/write-gguf.js';
import type { GgufFile, GgufMetadataValue } from '../helpers/write-gguf.js';
import { chunked, expectFormatError, loadOrRefuse, seededRandom } from './helpers.js';

const MODEL = createSyntheticModel({
  generation: '7',
  nLayer: 1,
  nEmbed: 64,
  headSize: 32,
  nFfn: 64,
  nVocab: 16,
  lora: { decay: 32, iclr: 32, valueResidual: 32, gate: 32 },
  seed: 5,
});
const BASE: GgufFile = ggufOf(MODEL, matricesAs('F16'));

/** Loads whole and streamed in 7-byte chunks; both must be refused with a message matching `pattern`. */
async function refused(file: Uint8Array, pattern: RegExp): Promise<void> {
  await expectFormatError(loadCanonicalModel(file), pattern);
  await expectFormatError(loadCanonicalModel(chunked(file, 7)), pattern);
}

/** 'GGUF', a version, then u64 fields as given. */
function rawHeader(version: number, ...fields: bigint[]): Uint8Array {
  const out = new Uint8Array(8 + 8 * fields.length);
  const view = new DataView(out.buffer);
  out.set([0x47, 0x47, 0x55, 0x46]);
  view.setUint32(4, version, true);
  fields.forEach((field, i) => view.setBigUint64(8 + 8 * i, field, true));
  return out;
}

function withMetadata(key: string, value: GgufMetadataValue): Uint8Array {
  return writeGguf({ ...BASE, metadata: new Map([...BASE.metadata, [key, value]]) });
}

function withTensor(index: number, change: Partial<GgufFile['tensors'][number]>): Uint8Array {
  return writeGguf({
    ...BASE,
    tensors: BASE.tensors.map((tensor, i) => (i === index ? { ...tensor, ...change } : tensor)),
  });
}

describe('GGUF headers that are refused', () => {
  it('the reference file loads', async () => {
    const model = await loadCanonicalModel(writeGguf(BASE));
    expect(model.spec.generation).toBe('7');
  });

  it('versions, huge counts and lengths', async () => {
    await refused(rawHeader(1, 0n, 0n), /unsupported GGUF version 1 \(supported: 2, 3\)/);
    await refused(rawHeader(4, 0n, 0n), /unsupported GGUF version 4/);
    await refused(rawHeader(3, 2n ** 63n, 0n), /the tensor count is 9223372036854775808, more than 65536/);
    await refused(rawHeader(3, 0n, 2n ** 64n - 1n), /the metadata count is 18446744073709551615, more than 65536/);
    await refused(rawHeader(3, 0n, 1n, 2n ** 62n), /the length of metadata key #0 is 4611686018427387904/);
    const hugeArray = new Uint8Array([...rawHeader(3, 0n, 1n, 1n), 0x61, 9, 0, 0, 0, 4, 0, 0, 0]);
    const count = new Uint8Array(8);
    new DataView(count.buffer).setBigUint64(0, 2n ** 40n, true);
    await refused(new Uint8Array([...hugeArray, ...count]), /the length of metadata 'a' is 1099511627776, more than/);
  });

  it('strings and arrays past the end, truncation anywhere in the header', async () => {
    await refused(
      new Uint8Array([...rawHeader(3, 0n, 1n, 100n), 0x61, 0x62]),
      /truncated file: GGUF: metadata key #0 needs 100 bytes but only 2 remain/,
    );
    const file = writeGguf(BASE);
    const dataStart = file.length - BASE.tensors.reduce((sum, t) => sum + Math.ceil(t.data.length / 32) * 32, 0);
    for (let cut = 0; cut < dataStart; cut += 97) {
      const outcome = await loadOrRefuse(() => loadCanonicalModel(file.slice(0, cut)));
      expect(outcome, `cut at ${cut}`).toBe('refused');
    }
    await refused(file.slice(0, dataStart + 10), /truncated/);
    await refused(file.slice(0, file.length - 1), /truncated/);
  });

  it('unknown value types, arrays of arrays, bad alignments, duplicate keys', async () => {
    await refused(new Uint8Array([...rawHeader(3, 0n, 1n, 1n), 0x61, 13, 0, 0, 0]), /'a' has unknown value type 13/);
    await refused(
      new Uint8Array([...rawHeader(3, 0n, 1n, 1n), 0x61, 9, 0, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]),
      /is an array of arrays/,
    );
    for (const alignment of [0, 3, 48, 1 << 20]) {
      await refused(
        withMetadata('general.alignment', { type: 'u32', value: alignment }),
        /general.alignment is \d+, expected a power of two/,
      );
    }
    await refused(withMetadata('general.alignment', { type: 'string', value: '32' }), /general.alignment is 32/);
    const duplicate = new Uint8Array([
      ...rawHeader(3, 0n, 2n, 1n),
      0x61,
      ...[4, 0, 0, 0, 1, 0, 0, 0],
      ...new Uint8Array(new BigUint64Array([1n]).buffer),
      0x61,
      ...[4, 0, 0, 0, 1, 0, 0, 0],
    ]);
    await refused(duplicate, /metadata key 'a' appears twice/);
    await refused(withMetadata('general.architecture', { type: 'u32', value: 7 }), /general.architecture is missing/);
  });
});

describe('GGUF tensor infos that are refused', () => {
  it('dims, types and names', async () => {
    await refused(withTensor(0, { ne: [] }), /0 dims, expected 1 to 4/);
    await refused(withTensor(0, { ne: [1, 1, 1, 1, 1] }), /5 dims/);
    await refused(withTensor(0, { ne: [64, 0] }), /must all be positive/);
    await refused(withTensor(0, { ne: [2 ** 31, 2 ** 31, 2 ** 31] }), /hold too many values/);
    await refused(withTensor(0, { ne: [2 ** 33] }), /dim 0 of tensor 'token_embd.weight' is 8589934592, more than/);
    await refused(withTensor(0, { type: 99 }), /unknown ggml type 99/);
    await refused(withTensor(0, { type: 16 }), /ggml type IQ2_XXS is not supported/);
    await refused(withTensor(0, { type: 'Q8_0', ne: [20, 16] }), /Q8_0 rows must be whole 32-value blocks/);
    await refused(withTensor(1, { name: BASE.tensors[0].name }), /tensor 'token_embd.weight' appears twice/);
    await refused(withTensor(1, { name: 'blk.0.attn_q.weight' }), /unexpected tensor 'blk.0.attn_q.weight'/);
    await refused(
      writeGguf({ ...BASE, tensors: BASE.tensors.filter((t) => t.name !== 'blk.0.time_mix_key.weight') }),
      /missing tensor 'blocks.0.att.key.weight'/,
    );
    await refused(
      withTensor(0, { name: 'blk.99999999999.attn_norm.weight' }),
      /ModelFormatError|mention block|unexpected|missing/,
    );
  });

  it('offsets: misaligned, past the end, overlapping', async () => {
    await refused(withTensor(2, { offset: 6 }), /data offset 6 is not a multiple of the alignment 32/);
    await expectFormatError(
      loadCanonicalModel(withTensor(2, { offset: 2 ** 50 })),
      /truncated or corrupt GGUF file: tensor '.*' needs data bytes/,
    );
    await expectFormatError(loadCanonicalModel(chunked(withTensor(2, { offset: 2 ** 40 }), 4096)), /truncated/);
    await refused(withTensor(2, { offset: 0 }), /overlaps that of/);
    const last = BASE.tensors.length - 1;
    await refused(withTensor(last, { offset: 32 }), /overlaps/);
  });

  it('random byte flips: a ModelFormatError or a load, nothing else', async () => {
    const file = writeGguf(BASE);
    const random = seededRandom(99);
    const outcomes = { loaded: 0, refused: 0 };
    for (let trial = 0; trial < 150; trial++) {
      const broken = file.slice();
      const flips = 1 + Math.floor(random() * 4);
      for (let i = 0; i < flips; i++)
        broken[Math.floor(random() * Math.min(broken.length, 4096))] ^= 1 << (random() * 8);
      outcomes[await loadOrRefuse(() => loadCanonicalModel(broken))] += 1;
    }
    expect(outcomes.refused).toBeGreaterThan(0);
  });
});
