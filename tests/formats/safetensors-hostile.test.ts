/**
 * Hostile and broken safetensors files: impossible header lengths, headers that are not JSON objects, unsupported
 * dtypes, bad shapes, data_offsets outside the file, overlapping or not matching shape × dtype, a `__proto__` key,
 * truncation, and seeded random byte flips — each a ModelFormatError (or a successful load), nothing else.
 */
import { describe, expect, it } from 'vitest';
import { memorySource } from '../../src/formats/random-access.js';
import { officialTensors } from '../helpers/write-pth.js';
import { safetensorsFile, writeSafetensors } from '../helpers/write-safetensors.js';
import { expectFormatError, loadOrRefuse, loadSafetensorsModel, seededRandom, smallModel } from './helpers.js';

function load(file: Uint8Array): Promise<unknown> {
  return loadSafetensorsModel(memorySource(file));
}

function withHeaderLength(length: bigint, rest: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + rest.length);
  new DataView(out.buffer).setBigUint64(0, length, true);
  out.set(rest, 8);
  return out;
}

const entry = (dtype: unknown, shape: unknown, offsets: unknown) => ({ dtype, shape, data_offsets: offsets });

describe('safetensors headers that are refused', () => {
  it('impossible header lengths', async () => {
    const json = new TextEncoder().encode('{}');
    await expectFormatError(load(withHeaderLength(1n << 40n, json)), /header length 1099511627776 is impossible/);
    await expectFormatError(load(withHeaderLength(3n, json)), /header length 3 is impossible for a file of 10/);
    await expectFormatError(load(withHeaderLength(0n, json)), /header length 0/);
    await expectFormatError(load(withHeaderLength(2n ** 64n - 1n, json)), /impossible/);
    await expectFormatError(load(new Uint8Array(5)), /truncated/);
  });

  it('headers that are not a JSON object of entries', async () => {
    const text = (value: string) => new TextEncoder().encode(value);
    await expectFormatError(load(withHeaderLength(5n, text('{"a":'))), /not valid UTF-8 JSON/);
    await expectFormatError(load(withHeaderLength(2n, Uint8Array.of(0xff, 0xfe))), /not valid UTF-8 JSON/);
    await expectFormatError(load(safetensorsFile([1, 2], new Uint8Array())), /not a JSON object/);
    await expectFormatError(
      load(safetensorsFile({ a: 5 }, new Uint8Array())),
      /'a': its header entry is not an object/,
    );
    await expectFormatError(load(safetensorsFile({ __metadata__: { a: 1 } }, new Uint8Array())), /__metadata__/);
  });

  it('unsupported dtypes and bad shapes', async () => {
    const data = new Uint8Array(16);
    for (const dtype of ['F64', 'I8', 'U8', 'F8_E4M3', 'f32', null]) {
      await expectFormatError(
        load(safetensorsFile({ t: entry(dtype, [4], [0, 16]) }, data)),
        /dtype .* is not supported/,
      );
    }
    for (const shape of [[-4], [1.5], ['4'], 4, null]) {
      await expectFormatError(load(safetensorsFile({ t: entry('F32', shape, [0, 16]) }, data)), /shape must be/);
    }
  });

  it('data_offsets outside the file, reversed, overlapping or not matching shape × dtype', async () => {
    const data = new Uint8Array(32);
    const file = (header: unknown) => load(safetensorsFile(header, data));
    await expectFormatError(file({ t: entry('F32', [4], [16, 48]) }), /go past the 32 data bytes/);
    await expectFormatError(file({ t: entry('F32', [4], [16, 0]) }), /0 ≤ begin ≤ end/);
    await expectFormatError(file({ t: entry('F32', [4], [0]) }), /\[begin, end\]/);
    await expectFormatError(file({ t: entry('F32', [4], [-16, 0]) }), /\[begin, end\]/);
    await expectFormatError(file({ t: entry('F32', [4], [0, 12]) }), /hold 12 bytes, shape \[4\] of F32 needs 16/);
    await expectFormatError(file({ t: entry('BF16', [4, 4], [0, 16]) }), /needs 32/);
    await expectFormatError(
      file({ a: entry('F32', [4], [0, 16]), b: entry('F32', [4], [8, 24]) }),
      /the data of 'b' overlaps that of 'a'/,
    );
  });

  it('a __proto__ key is just an unexpected tensor (no prototype pollution)', async () => {
    const file = writeSafetensors(officialTensors(smallModel('4', 1)));
    const headerLength = Number(new DataView(file.buffer).getBigUint64(0, true));
    const header = JSON.parse('{"__proto__":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}');
    Object.assign(header, JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + headerLength))));
    await expectFormatError(
      load(safetensorsFile(header, file.subarray(8 + headerLength))),
      /unexpected tensor '__proto__'/,
    );
    expect(({} as Record<string, unknown>).dtype).toBeUndefined();
  });
});

describe('broken safetensors files', () => {
  it('truncated files', async () => {
    const file = writeSafetensors(officialTensors(smallModel('6', 2)), { type: 'bf16' });
    for (const length of [0, 7, 8, 9, 200, file.length >> 1, file.length - 1]) {
      await expectFormatError(load(file.subarray(0, length)), /truncated|impossible|go past/);
    }
  });

  it('seeded random byte flips give a ModelFormatError or a model, never another error', async () => {
    const file = writeSafetensors(officialTensors(smallModel('6', 2)), { type: 'f16' });
    const headerEnd = 8 + Number(new DataView(file.buffer).getBigUint64(0, true));
    const random = seededRandom(115);
    const outcomes = { loaded: 0, refused: 0 };
    for (let trial = 0; trial < 300; trial++) {
      const broken = file.slice();
      const flips = 1 + Math.floor(random() * 3);
      for (let i = 0; i < flips; i++) {
        // Most flips land in the length and the JSON header.
        const at = Math.floor(random() * (random() < 0.8 ? headerEnd : file.length));
        broken[at] = Math.floor(random() * 256);
      }
      outcomes[await loadOrRefuse(() => load(broken))]++;
    }
    expect(outcomes.refused).toBeGreaterThan(100);
    expect(outcomes.loaded).toBeGreaterThan(10);
  });
});
