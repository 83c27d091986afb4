import { describe, expect, it } from 'vitest';
import { Prng, splitMix64 } from '../../src/sampling/prng.js';

// Expected values come from the authors' reference C code of SplitMix64 and xoshiro128** (compiled with gcc).
describe('Prng', () => {
  it('runs SplitMix64 like the reference (seed 0)', () => {
    expect(splitMix64(0n, 3)).toEqual([0xe220a8397b1dcdafn, 0x6e789e6aa1b965f4n, 0x06c45d188009454fn]);
  });

  it('runs xoshiro128** like the reference from the state {1, 2, 3, 4}', () => {
    const prng = Prng.fromState([1, 2, 3, 4]);
    expect(Array.from({ length: 6 }, () => prng.nextUint32())).toEqual([
      11520, 0, 5927040, 70819200, 2031721883, 1637235492,
    ]);
  });

  it('seeds the state from two SplitMix64 outputs, low words first', () => {
    const seeded = (seed: number) => {
      const prng = new Prng(seed);
      return Array.from({ length: 4 }, () => prng.nextUint32());
    };
    expect(seeded(42)).toEqual([1776835114, 4165204688, 17111135, 2317295270]);
    expect(seeded(Number.MAX_SAFE_INTEGER)).toEqual([1233166643, 1287031142, 661813442, 2960669951]);
  });

  it('gives uniform floats in [0, 1) built from two outputs', () => {
    const reference = Prng.fromState([1, 2, 3, 4]);
    const words = Array.from({ length: 4 }, () => reference.nextUint32());
    const prng = Prng.fromState([1, 2, 3, 4]);
    expect(prng.nextFloat()).toBe(((words[0] >>> 5) * 2 ** 26 + (words[1] >>> 6)) / 2 ** 53);
    expect(prng.nextFloat()).toBe(((words[2] >>> 5) * 2 ** 26 + (words[3] >>> 6)) / 2 ** 53);

    const draws = Array.from({ length: 100_000 }, () => prng.nextFloat());
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
    const mean = draws.reduce((sum, x) => sum + x, 0) / draws.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005);
  });

  it('rejects seeds that are not safe non-negative integers and all-zero states', () => {
    expect(() => new Prng(-1)).toThrow(RangeError);
    expect(() => new Prng(1.5)).toThrow(RangeError);
    expect(() => new Prng(2 ** 53)).toThrow(RangeError);
    expect(() => Prng.fromState([0, 0, 0, 0])).toThrow(RangeError);
  });
});
