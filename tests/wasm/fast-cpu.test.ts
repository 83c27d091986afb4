/**
 * The fast CPU backend (backend 'cpu': WebAssembly SIMD kernels, compact weights) against the reference backend
 * (the oracle) over the same file, for every generation and each matrix type the kernels read: the logits of every
 * prefill position, batched decodes (five sessions: a group of four and one alone), and state reads/writes/copies.
 */
import { describe, expect, it } from 'vitest';
import type { Generation } from '../../src/model/spec.js';
import { backendOver, blockModelBytes, MATRIX_TYPES, maxDifference, tokenSequence } from './helpers.js';

const GENERATIONS: Generation[] = ['4', '5.1', '5.2', '6', '7'];
const CASES = GENERATIONS.flatMap((generation) => MATRIX_TYPES.map((type) => [generation, type] as const));

/** The oracle sums in f64, the kernels in f32 lanes: logits agree to this, at every position (f32, f16 matrices). */
const TOLERANCE = 1e-4;
/**
 * Block formats: the one-token products quantize x to int16 per block of 32 (error up to 1.5e-5 of the block's
 * largest |x|); measured up to 2.3e-4 here, within the 1e-3 for quantized weights.
 */
const BLOCK_TOLERANCE = 1e-3;

describe.each(CASES)('fast CPU backend, RWKV %s, %s matrices', (generation, type) => {
  const bytes = blockModelBytes(type, generation);
  const tolerance = type === 'f32' || type === 'f16' ? TOLERANCE : BLOCK_TOLERANCE;

  it('matches the oracle at every prefill position, in chunks', async () => {
    const [fast, reference] = await Promise.all([backendOver(bytes, 'cpu'), backendOver(bytes, 'reference')]);
    expect(fast.description).toMatchObject({ kind: 'cpu', cpu: { kernels: 'wasm-simd128' } });
    expect(Object.keys(fast.description.cpu?.weightFormats ?? {})).toEqual([type]);
    expect(fast.description.cpu?.weightFormats[type]).toBeGreaterThan(0);
    expect(reference.description.kind).toBe('reference');
    const [a, b] = [await fast.allocateState(), await reference.allocateState()];
    const tokens = tokenSequence(21);
    for (const [start, end] of [
      [0, 9],
      [9, 10],
      [10, 21],
    ]) {
      const chunk = tokens.subarray(start, end);
      const expected = await reference.prefill(b, chunk, { allLogits: true });
      const got = await fast.prefill(a, chunk, { allLogits: true });
      expect(got.length).toBe(chunk.length * 256);
      expect(maxDifference(got, expected)).toBeLessThan(tolerance);
    }
    expect(maxDifference((await fast.readState(a)).data, (await reference.readState(b)).data)).toBeLessThan(tolerance);
  });

  it('decodes five sessions in one batch as the oracle decodes each alone', async () => {
    const [fast, reference] = await Promise.all([backendOver(bytes, 'cpu'), backendOver(bytes, 'reference')]);
    const fastStates = await Promise.all(Array.from({ length: 5 }, () => fast.allocateState()));
    const referenceStates = await Promise.all(Array.from({ length: 5 }, () => reference.allocateState()));
    for (let i = 0; i < 5; i++) {
      const prompt = tokenSequence(3 + i, i + 1);
      await fast.prefill(fastStates[i], prompt);
      await reference.prefill(referenceStates[i], prompt);
    }
    for (let step = 0; step < 3; step++) {
      const next = tokenSequence(5, step + 7);
      const got = await fast.decode(fastStates, next);
      for (let i = 0; i < 5; i++) {
        const [expected] = await reference.decode([referenceStates[i]], next.subarray(i, i + 1));
        expect(maxDifference(got[i], expected)).toBeLessThan(tolerance);
      }
    }
  });
});

describe('fast CPU backend states', () => {
  it('reads, writes and copies states exactly, and refuses a state twice in one decode', async () => {
    const fast = await backendOver(blockModelBytes('f16'), 'cpu');
    const [a, b] = [await fast.allocateState(), await fast.allocateState()];
    await fast.prefill(a, tokenSequence(5));
    const saved = await fast.readState(a);
    const first = await fast.decode([a], Uint32Array.of(9));
    await fast.writeState(a, saved);
    expect(await fast.decode([a], Uint32Array.of(9))).toEqual(first);
    await fast.writeState(a, saved);
    await fast.copyState(a, b);
    expect((await fast.readState(b)).data).toEqual(saved.data);
    await expect(fast.decode([a, a], Uint32Array.of(1, 2))).rejects.toThrow(/same state twice/);
    fast.freeState(b);
    await expect(fast.readState(b)).rejects.toThrow(/No state with handle/);
  });
});
