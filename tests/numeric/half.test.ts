/** f16 / bf16 conversions against hand-computed bit patterns and IEEE 754 rounding rules. */
import { describe, expect, test } from 'vitest';
import { bf16BitsToF32, decodeBF16, decodeF16, encodeF16, f16BitsToF32, f32ToF16Bits } from '../../src/numeric/half.js';

const F16_CASES: [bits: number, value: number][] = [
  [0x0000, 0],
  [0x3c00, 1],
  [0xc000, -2],
  [0x3e00, 1.5],
  [0x3555, 0.333251953125],
  [0x7bff, 65504],
  [0x0400, 2 ** -14],
  [0x0001, 2 ** -24],
  [0x03ff, 1023 * 2 ** -24],
  [0x7c00, Infinity],
  [0xfc00, -Infinity],
];

describe('f16 → f32', () => {
  test.each(F16_CASES)('0x%s', (bits, value) => {
    expect(f16BitsToF32(bits)).toBe(value);
  });

  test('negative zero and NaN', () => {
    expect(Object.is(f16BitsToF32(0x8000), -0)).toBe(true);
    expect(f16BitsToF32(0x7e00)).toBeNaN();
    expect(f16BitsToF32(0xfc01)).toBeNaN();
  });

  test('decodeF16 reads little-endian pairs', () => {
    expect([...decodeF16(new Uint8Array([0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b]))]).toEqual([1, -2, 65504]);
  });
});

describe('f32 → f16 bits', () => {
  test('every finite f16 value converts back to its own bits', () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      if ((bits & 0x7c00) === 0x7c00 && (bits & 0x3ff) !== 0) continue;
      if (f32ToF16Bits(f16BitsToF32(bits)) !== bits) throw new Error(`0x${bits.toString(16)} does not round-trip`);
    }
  });

  test.each([
    ['tie between 1 and 1+2^-10 goes to even (1)', 1 + 2 ** -11, 0x3c00],
    ['tie between 0x3c01 and 0x3c02 goes to even', 1 + 3 * 2 ** -11, 0x3c02],
    ['just above a tie rounds up', 1 + 2 ** -11 + 2 ** -20, 0x3c01],
    ['just below a tie rounds down', 1 + 3 * 2 ** -11 - 2 ** -20, 0x3c01],
    ['65519 rounds to the largest finite', 65519, 0x7bff],
    ['65520 (tie with 2^16) overflows to infinity', 65520, 0x7c00],
    ['1e6 overflows to infinity', 1e6, 0x7c00],
    ['-1e6 overflows to -infinity', -1e6, 0xfc00],
    ['2^-25 (tie with 0) goes to zero', 2 ** -25, 0x0000],
    ['just above 2^-25 rounds to the smallest subnormal', 2 ** -25 * 1.001, 0x0001],
    ['3·2^-25 (tie between subnormals 1 and 2) goes to 2', 3 * 2 ** -25, 0x0002],
    ['largest subnormal plus half a step rounds to the smallest normal', 1023.5 * 2 ** -24, 0x0400],
    ['1e-10 underflows to zero', 1e-10, 0x0000],
    ['-1e-10 underflows to negative zero', -1e-10, 0x8000],
    ['1/3', 1 / 3, 0x3555],
    ['-0 keeps its sign', -0, 0x8000],
    ['2^-14 is the smallest normal', 2 ** -14, 0x0400],
    ['a carry out of the mantissa raises the exponent', 2047 * 2 ** -11 + 1, 0x4000],
    ['Infinity', Infinity, 0x7c00],
  ])('%s', (_, value, bits) => {
    expect(f32ToF16Bits(value)).toBe(bits);
  });

  test('NaN gives a NaN pattern', () => {
    const bits = f32ToF16Bits(NaN);
    expect(bits & 0x7c00).toBe(0x7c00);
    expect(bits & 0x3ff).not.toBe(0);
  });

  test('encodeF16 writes little-endian bits that decodeF16 reads back', () => {
    const values = new Float32Array([1, -2, 0.1, 65504, 2 ** -24]);
    const bytes = encodeF16(values);
    expect([...bytes.subarray(0, 4)]).toEqual([0x00, 0x3c, 0x00, 0xc0]);
    expect([...decodeF16(bytes)]).toEqual([1, -2, 0.0999755859375, 65504, 2 ** -24]);
  });
});

describe('bf16 → f32', () => {
  test.each([
    [0x3f80, 1],
    [0xc040, -3],
    [0x3e80, 0.25],
    [0x7f80, Infinity],
    [0x0001, 2 ** -133],
  ])('0x%s', (bits, value) => {
    expect(bf16BitsToF32(bits)).toBe(value);
  });

  test('decodeBF16 reads little-endian pairs', () => {
    expect([...decodeBF16(new Uint8Array([0x80, 0x3f, 0x40, 0xc0, 0x80, 0xff]))]).toEqual([1, -3, -Infinity]);
  });
});
