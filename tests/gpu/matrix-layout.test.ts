/** The GPU matrix layout: f16 conversion (hand-checked binary16 values), row padding and packing, the row split. */
import { describe, expect, it } from 'vitest';
import {
  f16BitsToF32,
  f32ToF16Bits,
  packRows,
  planRowSplit,
  roundToF16,
  rowBytes,
} from '../../src/gpu/matrix-layout.js';
import { RwkvError } from '../../src/errors.js';

describe('f16 conversion', () => {
  it('encodes known values, rounding to nearest even', () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [1 / 3, 0x3555],
      [65504, 0x7bff],
      [65520, 0x7c00],
      [Infinity, 0x7c00],
      [2 ** -14, 0x0400],
      [2 ** -24, 0x0001],
      [2 ** -25, 0x0000],
      [3 * 2 ** -25, 0x0002],
      [1 + 2 ** -11, 0x3c00],
      [1 + 3 * 2 ** -11, 0x3c02],
      [2047 * 2 ** -11 + 1, 0x4000],
    ];
    for (const [value, bits] of cases) expect(f32ToF16Bits(value), String(value)).toBe(bits);
    expect(Number.isNaN(f16BitsToF32(f32ToF16Bits(NaN)))).toBe(true);
  });

  it('decodes every finite binary16 value back to the same bits', () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      if ((bits & 0x7c00) === 0x7c00) continue;
      expect(f32ToF16Bits(f16BitsToF32(bits))).toBe(bits);
    }
    expect(f16BitsToF32(0x3555)).toBeCloseTo(1 / 3, 3);
    expect(f16BitsToF32(0x0001)).toBe(2 ** -24);
  });
});

describe('GPU matrix layout', () => {
  it('pads each row to 16-byte chunks', () => {
    expect(rowBytes(100, 'f32')).toBe(400);
    expect(rowBytes(99, 'f32')).toBe(400);
    expect(rowBytes(100, 'f16')).toBe(208);
    expect(rowBytes(8, 'f16')).toBe(16);
  });

  it('packs f32 rows with zero padding', () => {
    const packed = new Float32Array(packRows(new Float32Array([1, 2, 3, 4, 5, 6]), 3, 'f32').buffer);
    expect([...packed]).toEqual([1, 2, 3, 0, 4, 5, 6, 0]);
  });

  it('packs f16 pairs low half first, rows padded to 8 values', () => {
    const packed = packRows(new Float32Array([1, -2, 0.5, 3, 4, 5]), 3, 'f16', 1, 1);
    expect([...packed]).toEqual([0x44004200, 0x00004500, 0, 0]);
    expect([...roundToF16(new Float32Array([1 / 3]))]).toEqual([f16BitsToF32(0x3555)]);
  });

  it('splits rows into parts under the binding limit', () => {
    expect(planRowSplit(37, 48, 480)).toEqual([
      { firstRow: 0, rowCount: 10 },
      { firstRow: 10, rowCount: 10 },
      { firstRow: 20, rowCount: 10 },
      { firstRow: 30, rowCount: 7 },
    ]);
    expect(planRowSplit(65536, 4096, 128 * 2 ** 20)).toEqual([
      { firstRow: 0, rowCount: 32768 },
      { firstRow: 32768, rowCount: 32768 },
    ]);
    expect(() => planRowSplit(3, 500, 480)).toThrow(RwkvError);
  });
});
