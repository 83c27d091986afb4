/** Exact dequantization of hand-built ggml blocks, with expected values worked out by hand. */
import { describe, expect, test } from 'vitest';
import { f16BitsToF32 } from '../../src/numeric/half.js';
import { QUANT_BLOCK_BYTES, dequantize } from '../../src/formats/quantized.js';
import { seededRandom } from './helpers.js';

function u16(bits: number): number[] {
  return [bits & 0xff, bits >>> 8];
}

function u32(bits: number): number[] {
  return [bits & 0xff, (bits >>> 8) & 0xff, (bits >>> 16) & 0xff, bits >>> 24];
}

function block(...parts: number[][]): Uint8Array {
  return new Uint8Array(parts.flat());
}

function sequence(count: number, value: (i: number) => number): number[] {
  return Array.from({ length: count }, (_, i) => value(i));
}

describe('Q4_0: (q − 8)·d', () => {
  test('d = 0.5, low nibbles 0..15, high nibbles 15..0', () => {
    const bytes = block(
      u16(0x3800),
      sequence(16, (j) => j | ((15 - j) << 4)),
    );
    const expected = [
      ...[-4, -3.5, -3, -2.5, -2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5],
      ...[3.5, 3, 2.5, 2, 1.5, 1, 0.5, 0, -0.5, -1, -1.5, -2, -2.5, -3, -3.5, -4],
    ];
    expect([...dequantize('q4_0', bytes)]).toEqual(expected);
  });

  test('consecutive blocks keep their own scales', () => {
    const bytes = block(
      u16(0x3c00),
      sequence(16, () => 0x99),
      u16(0xc000),
      sequence(16, () => 0x0f),
    );
    const out = dequantize('q4_0', bytes);
    expect(out.length).toBe(64);
    expect([...out.subarray(0, 32)]).toEqual(sequence(32, () => 1));
    expect([...out.subarray(32, 48)]).toEqual(sequence(16, () => -14));
    expect([...out.subarray(48, 64)]).toEqual(sequence(16, () => 16));
  });
});

describe('Q4_1: q·d + m', () => {
  test('d = 0.25, m = −1, low nibbles 0..15, high nibbles all 15', () => {
    const bytes = block(
      u16(0x3400),
      u16(0xbc00),
      sequence(16, (j) => 0xf0 | j),
    );
    const expected = [
      ...[-1, -0.75, -0.5, -0.25, 0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.25, 2.5, 2.75],
      ...sequence(16, () => 2.75),
    ];
    expect([...dequantize('q4_1', bytes)]).toEqual(expected);
  });
});

describe('Q5_0: (q − 16)·d with the fifth bits in qh', () => {
  test('qh bit j is element j’s high bit, bit j + 16 is element (j + 16)’s', () => {
    // qh bits 0, 15, 16, 31 set; qs[0] = 0xF3, qs[15] = 0x5A, all other nibbles 0; d = 1.
    const qs = sequence(16, () => 0);
    qs[0] = 0xf3;
    qs[15] = 0x5a;
    const out = dequantize('q5_0', block(u16(0x3c00), u32(0x80018001), qs));
    const expected = sequence(32, () => -16);
    expected[0] = 3; // 0x3 | 16 = 19
    expected[15] = 10; // 0xA | 16 = 26
    expected[16] = 15; // 0xF | 16 = 31
    expected[31] = 5; // 0x5 | 16 = 21
    expect([...out]).toEqual(expected);
  });

  test('the complementary qh pattern', () => {
    const out = dequantize(
      'q5_0',
      block(
        u16(0x4000),
        u32(0x7ffe7ffe),
        sequence(16, () => 0x11),
      ),
    );
    // d = 2; element with high bit: (1 + 16 − 16)·2 = 2; without: (1 − 16)·2 = −30.
    const expected = sequence(32, (i) => (i === 0 || i === 15 || i === 16 || i === 31 ? -30 : 2));
    expect([...out]).toEqual(expected);
  });

  test('random blocks match the per-element definition', () => {
    const random = seededRandom(7);
    const bytes = new Uint8Array(QUANT_BLOCK_BYTES.q5_0 * 20).map(() => Math.floor(random() * 256));
    for (let b = 0; b < 20; b++) bytes.set(u16(0x2000 + Math.floor(random() * 0x3000)), b * 22);
    const out = dequantize('q5_0', bytes);
    for (let b = 0; b < 20; b++) {
      const at = b * 22;
      const d = f16BitsToF32(bytes[at] | (bytes[at + 1] << 8));
      const qh = new DataView(bytes.buffer, at + 2, 4).getUint32(0, true);
      for (let i = 0; i < 32; i++) {
        const nibble = i < 16 ? bytes[at + 6 + i] & 15 : bytes[at + 6 + i - 16] >> 4;
        const q = nibble + 16 * ((qh >>> i) & 1);
        expect(out[b * 32 + i]).toBe(Math.fround((q - 16) * d));
      }
    }
  });
});

describe('Q5_1: q·d + m', () => {
  test('d = 0.5, m = 2, high bits on the first 16 elements only', () => {
    const out = dequantize(
      'q5_1',
      block(
        u16(0x3800),
        u16(0x4000),
        u32(0x0000ffff),
        sequence(16, () => 0x21),
      ),
    );
    // first half: (1 + 16)·0.5 + 2 = 10.5; second half: 2·0.5 + 2 = 3
    expect([...out]).toEqual([...sequence(16, () => 10.5), ...sequence(16, () => 3)]);
  });
});

describe('Q8_0: q·d with signed bytes', () => {
  test('d = 0.125', () => {
    const qs = sequence(32, () => 0);
    [0x80, 0x7f, 0xff, 0x00, 0x01, 0x05].forEach((byte, i) => (qs[i] = byte));
    const out = dequantize('q8_0', block(u16(0x3000), qs));
    expect([...out.subarray(0, 6)]).toEqual([-16, 15.875, -0.125, 0, 0.125, 0.625]);
    expect([...out.subarray(6)]).toEqual(sequence(26, () => 0));
  });

  test('a subnormal scale', () => {
    const out = dequantize(
      'q8_0',
      block(
        u16(0x0001),
        sequence(32, () => 3),
      ),
    );
    expect(out[31]).toBe(3 * 2 ** -24);
  });
});

test('partial blocks are rejected', () => {
  expect(() => dequantize('q4_0', new Uint8Array(19))).toThrow(RangeError);
  expect(() => dequantize('q8_0', new Uint8Array(33))).toThrow(RangeError);
});
