/** The GPU matrix layout: row padding and packing, f16 rounding, the row split. */
import { describe, expect, it } from 'vitest';
import { packRows, planRowSplit, roundToF16, rowBytes } from '../../src/gpu/matrix-layout.js';
import { RwkvError } from '../../src/errors.js';
import { f16BitsToF32 } from '../../src/numeric/half.js';

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
