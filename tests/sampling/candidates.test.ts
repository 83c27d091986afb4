/**
 * Sampling from a row's top candidates (what a decode step reads back from the GPU instead of the whole row) gives
 * the tokens the whole row gives, seed for seed: the same distribution bit for bit and the same generator draws,
 * with ties at the top-k cut and inside the nucleus, temperatures, min-p and banned tokens. Candidates come from
 * the CPU oracle of the GPU kernel (tests/helpers/top-candidates-oracle.ts; the kernel itself is tested against it
 * in tests/browser/kernels/top-candidates.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { candidateDistribution, samplingDistribution } from '../../src/sampling/distribution.js';
import { Prng } from '../../src/sampling/prng.js';
import { Sampler, type SamplerOptions } from '../../src/sampling/sampler.js';
import { MAX_CANDIDATES } from '../../src/sampling/top-candidates.js';
import { topCandidatesOracle } from '../helpers/top-candidates-oracle.js';

const VOCAB = 3000;

/** Logits on a grid of 1/4 (many exact ties), some tokens banned, the top crowded with ties. */
function tiedRow(prng: Prng): Float32Array {
  return Float32Array.from({ length: VOCAB }, () => {
    const u = prng.nextFloat();
    if (u < 0.05) return -Infinity;
    return Math.round((u < 0.1 ? 6 + prng.nextFloat() : prng.nextFloat() * 8 - 4) * 4) / 4;
  });
}

const SETTINGS: SamplerOptions[] = [
  { temperature: 0 },
  { temperature: 0, topP: 0.5, topK: 7 },
  { temperature: 1, topK: 1 },
  { temperature: 1, topK: 5 },
  { temperature: 0.7, topK: 40 },
  { temperature: 1.8, topK: MAX_CANDIDATES },
  { temperature: 1, topK: 64, topP: 0.3 },
  { temperature: 0.5, topK: 20, topP: 0.9, minP: 0.05 },
  { temperature: 1.3, topK: 50, minP: 0.5 },
];

describe('sampling from the top candidates', () => {
  it('asks for candidates only when they decide the token', () => {
    expect(new Sampler({ temperature: 0 }).candidatesNeeded()).toBe(1);
    expect(new Sampler({ topK: 40, topP: 0.5 }).candidatesNeeded()).toBe(40);
    expect(new Sampler({ topK: 65 }).candidatesNeeded()).toBe(0);
    expect(new Sampler({ topP: 0.5 }).candidatesNeeded()).toBe(0);
    expect(new Sampler({ temperature: 0, presencePenalty: 0.5 }).candidatesNeeded()).toBe(0);
    expect(new Sampler({ temperature: 0, logitBias: { 3: 1 } }).candidatesNeeded()).toBe(0);
    expect(new Sampler({ temperature: 0 }, { apply: () => undefined }).candidatesNeeded()).toBe(0);
    const candidates = topCandidatesOracle(Float32Array.of(1, 2, 3), 3);
    expect(() => new Sampler({ topP: 0.5 }).sampleCandidates(candidates)).toThrow(RangeError);
    expect(() =>
      new Sampler({ topK: 3 }).sampleCandidates({ ...candidates, ids: candidates.ids.subarray(0, 2) }),
    ).toThrow(RangeError);
  });

  for (const options of SETTINGS) {
    it(`draws the whole row's tokens: ${JSON.stringify(options)}`, () => {
      const prng = new Prng(11);
      for (const seed of [1, 2, 3]) {
        const full = new Sampler({ ...options, seed });
        const fromCandidates = new Sampler({ ...options, seed });
        const count = fromCandidates.candidatesNeeded();
        expect(count).toBeGreaterThan(0);
        for (let step = 0; step < 40; step++) {
          const row = tiedRow(prng);
          const candidates = topCandidatesOracle(row, count);
          if (options.temperature !== 0) {
            const settings = { temperature: 1, topP: 1, topK: 0, minP: 0, ...options };
            const expected = samplingDistribution(row, settings);
            const actual = candidateDistribution(candidates, settings);
            expect(actual.ids).toEqual(expected.ids);
            expect(actual.probabilities).toEqual(expected.probabilities);
          }
          expect(fromCandidates.sampleCandidates(candidates)).toBe(full.sample(row));
        }
      }
    });
  }

  it('cuts top-k among equal logits at the lowest ids, on both paths', () => {
    const row = new Float32Array(200).fill(1);
    row[150] = 2;
    const candidates = topCandidatesOracle(row, 4);
    expect(Array.from(candidates.ids)).toEqual([150, 0, 1, 2]);
    const settings = { temperature: 1, topP: 1, topK: 4, minP: 0 };
    expect(Array.from(candidateDistribution(candidates, settings).ids)).toEqual([0, 1, 2, 150]);
    expect(Array.from(samplingDistribution(row, settings).ids)).toEqual([0, 1, 2, 150]);
  });

  it('refuses the rows the whole-row path refuses', () => {
    const sampler = new Sampler({ temperature: 0 });
    const banned = topCandidatesOracle(new Float32Array(10).fill(-Infinity), 1);
    expect(() => sampler.sampleCandidates(banned)).toThrow(/Every token is banned/);
    expect(() => sampler.sample(new Float32Array(10).fill(-Infinity))).toThrow(/Every token is banned/);
    const nan = Float32Array.of(1, NaN, 2);
    expect(() => sampler.sampleCandidates(topCandidatesOracle(nan, 1))).toThrow(/Logits contain NaN/);
    expect(() => sampler.sample(nan)).toThrow(/Logits contain NaN/);
    const infinite = Float32Array.of(1, Infinity);
    expect(() => sampler.sampleCandidates(topCandidatesOracle(infinite, 1))).toThrow(/Logits contain Infinity/);
  });
});
