/**
 * shaders/top-candidates.wgsl against the CPU oracle (tests/helpers/top-candidates-oracle.ts): awkward vocabulary
 * sizes, exact ties across the top-k cut (equal logits go to the lowest ids), ±0, rows with fewer finite logits than
 * candidates, rows of −Infinity, and rows flagged for a NaN or +Infinity — several rows in one dispatch.
 */
import { describe, expect, it } from 'vitest';
import { readCandidateRecords, topCandidatesKernel } from '../../../src/gpu/kernels/top-candidates.js';
import { candidateRecordWords } from '../../../src/gpu/kernels/top-candidates.js';
import { topCandidatesOracle } from '../../helpers/top-candidates-oracle.js';
import { output, randomArray, runKernel } from '../gpu-harness.js';

/** Logits on a grid of 1/8 in [−8, 8): hundreds of exact ties at every value of a large vocabulary. */
function tiedRow(vocab: number, seed: number): Float32Array {
  return randomArray(vocab, seed, 8).map((value) => Math.floor(value * 8) / 8);
}

function rows(vocab: number): Float32Array[] {
  const fewFinite = new Float32Array(vocab).fill(-Infinity);
  fewFinite.set([0.5, -0, 0], vocab - 3);
  fewFinite[7] = 0.5;
  const signedZeros = tiedRow(vocab, 5).map((value) => (value > 0 ? -0 : value === 0 ? 0 : value));
  const nan = tiedRow(vocab, 6);
  nan[vocab >> 1] = NaN;
  const infinite = tiedRow(vocab, 7);
  infinite[3] = Infinity;
  return [tiedRow(vocab, 1), fewFinite, new Float32Array(vocab).fill(-Infinity), signedZeros, nan, infinite];
}

async function select(logits: Float32Array[], count: number) {
  const vocab = logits[0].length;
  const packed = new Float32Array(logits.length * vocab);
  logits.forEach((row, i) => packed.set(row, i * vocab));
  const [words] = await runKernel(topCandidatesKernel({ vocab, rows: logits.length, count }), [
    packed,
    output(logits.length * candidateRecordWords(count)),
  ]);
  return readCandidateRecords(new Uint32Array(words.buffer), logits.length, count);
}

describe('top-candidates kernel', () => {
  for (const [vocab, count] of [
    [65529, 64],
    [50277, 1],
    [301, 64],
    [40, 40],
  ]) {
    it(`selects the top ${count} of ${vocab} logits as the CPU ranks them`, async () => {
      const logits = rows(vocab);
      const selected = await select(logits, count);
      let worstTotal = 0;
      logits.forEach((row, i) => {
        const expected = topCandidatesOracle(row, count);
        const actual = selected[i];
        expect(actual.invalid, `row ${i}`).toEqual(expected.invalid);
        if (expected.invalid !== undefined) return;
        expect(Array.from(actual.ids), `row ${i}`).toEqual(Array.from(expected.ids));
        // −0 comes back as +0 (one key for both): equal logits
        expect(Array.from(actual.logits, (value) => value + 0)).toEqual(Array.from(expected.logits, (v) => v + 0));
        const error = Math.abs(actual.total - expected.total);
        expect(error).toBeLessThanOrEqual(1e-5 * expected.total);
        if (expected.total > 0) worstTotal = Math.max(worstTotal, error / expected.total);
      });
      console.log(`top ${count} of ${vocab}: denominator relative error ≤ ${worstTotal.toExponential(2)}`);
    });
  }
});
