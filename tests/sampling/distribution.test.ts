import { describe, expect, it } from 'vitest';
import { argmax, samplingDistribution, type FilterSettings } from '../../src/sampling/distribution.js';
import { Prng } from '../../src/sampling/prng.js';

const NO_FILTERS: FilterSettings = { temperature: 1, topP: 1, topK: 0, minP: 0 };

function logitsOf(probabilities: number[]): Float32Array {
  return Float32Array.from(probabilities, Math.log);
}

function distribution(logits: Float32Array, settings: Partial<FilterSettings>) {
  const { ids, probabilities } = samplingDistribution(logits, { ...NO_FILTERS, ...settings });
  return { ids: Array.from(ids), probabilities: Array.from(probabilities) };
}

function expectDistribution(actual: ReturnType<typeof distribution>, ids: number[], probabilities: number[]) {
  expect(actual.ids).toEqual(ids);
  actual.probabilities.forEach((p, i) => expect(p).toBeCloseTo(probabilities[i], 6));
}

/** ChatRWKV's sample_logits step by step on plain arrays (plus min-p), as an independent reference. */
function referenceDistribution(logits: Float32Array, { temperature, topP, topK, minP }: FilterSettings): number[] {
  const max = Math.max(...logits);
  const exps = Array.from(logits, (x) => Math.exp(x - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  const probs = exps.map((e) => e / sum);
  const order = probs.map((_, i) => i).sort((a, b) => probs[b] - probs[a] || a - b);
  let cumulative = 0;
  const firstReaching = order.findIndex((i) => (cumulative += probs[i]) >= topP);
  const cutoff = topP < 1 && firstReaching >= 0 ? probs[order[firstReaching]] : 0;
  const inTopK = new Set(topK > 0 ? order.slice(0, topK) : order);
  const kept = probs.map((p, i) => p > 0 && p >= cutoff && inTopK.has(i) && p >= minP * probs[order[0]]);
  const weights = probs.map((p, i) => (kept[i] ? p ** (1 / temperature) : 0));
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => w / total);
}

describe('samplingDistribution', () => {
  // Token probabilities at temperature 1: id 1: 0.5, id 3: 0.2, id 2: 0.15, id 4: 0.1, id 0: 0.05.
  const logits = logitsOf([0.05, 0.5, 0.15, 0.2, 0.1]);

  it('keeps every token without filters', () => {
    expectDistribution(distribution(logits, {}), [0, 1, 2, 3, 4], [0.05, 0.5, 0.15, 0.2, 0.1]);
  });

  it('cuts top-p where the running sum first reaches topP', () => {
    // Running sums: 0.5, 0.7, 0.85, ...: 0.69 is reached at the 2nd token, 0.71 at the 3rd.
    expectDistribution(distribution(logits, { topP: 0.69 }), [1, 3], [0.5 / 0.7, 0.2 / 0.7]);
    expectDistribution(distribution(logits, { topP: 0.71 }), [1, 2, 3], [0.5 / 0.85, 0.15 / 0.85, 0.2 / 0.85]);
    expectDistribution(distribution(logits, { topP: 0 }), [1], [1]);
  });

  it('keeps tokens that tie with the top-p cutoff', () => {
    const tied = logitsOf([0.3, 0.3, 0.2, 0.2]);
    expectDistribution(distribution(tied, { topP: 0.5 }), [0, 1], [0.5, 0.5]);
    expectDistribution(distribution(tied, { topP: 0.65 }), [0, 1, 2, 3], [0.3, 0.3, 0.2, 0.2]);
  });

  it('keeps the k most likely tokens, ties to the lower id', () => {
    expectDistribution(distribution(logits, { topK: 2 }), [1, 3], [0.5 / 0.7, 0.2 / 0.7]);
    expect(distribution(Float32Array.of(0, 5, 5, 1), { topK: 1 }).ids).toEqual([1]);
    expect(distribution(logits, { topK: 5 }).ids).toEqual([0, 1, 2, 3, 4]);
  });

  it('with top-k = 1 keeps only the argmax', () => {
    const prng = new Prng(11);
    for (let trial = 0; trial < 100; trial++) {
      const random = Float32Array.from({ length: 300 }, () => (prng.nextFloat() - 0.5) * 20);
      expectDistribution(distribution(random, { topK: 1, temperature: 0.7 }), [argmax(random)], [1]);
    }
  });

  it('keeps tokens with p ≥ minP · max(p)', () => {
    // Thresholds 0.175 and 0.125.
    expectDistribution(distribution(logits, { minP: 0.35 }), [1, 3], [0.5 / 0.7, 0.2 / 0.7]);
    expectDistribution(distribution(logits, { minP: 0.25 }), [1, 2, 3], [0.5 / 0.85, 0.15 / 0.85, 0.2 / 0.85]);
  });

  it('applies the temperature to the kept tokens only: weights p^(1/T)', () => {
    expectDistribution(distribution(logits, { topP: 0.69, temperature: 0.5 }), [1, 3], [0.25 / 0.29, 0.04 / 0.29]);
    const roots = [0.05, 0.5, 0.15, 0.2, 0.1].map(Math.sqrt);
    const rootSum = roots.reduce((a, b) => a + b, 0);
    expectDistribution(
      distribution(logits, { temperature: 2 }),
      [0, 1, 2, 3, 4],
      roots.map((r) => r / rootSum),
    );
  });

  it('keeps the intersection of the filters', () => {
    expect(distribution(logits, { topP: 0.71, topK: 2 }).ids).toEqual([1, 3]);
    expect(distribution(logits, { topP: 0.99, minP: 0.35 }).ids).toEqual([1, 3]);
    expect(distribution(logits, { topP: 0.69, topK: 4, minP: 0.01 }).ids).toEqual([1, 3]);
  });

  it('gives banned tokens (−Infinity) no probability', () => {
    expectDistribution(distribution(Float32Array.of(0, -Infinity, 0), {}), [0, 2], [0.5, 0.5]);
  });

  it('matches a step-by-step reference of ChatRWKV on random logits and options', () => {
    const prng = new Prng(2024);
    for (let trial = 0; trial < 300; trial++) {
      const vocab = 2 + Math.floor(prng.nextFloat() * 60);
      const random = Float32Array.from({ length: vocab }, () => (prng.nextFloat() - 0.5) * 12);
      const settings: FilterSettings = {
        temperature: [0.3, 1, 1.7][trial % 3],
        topP: prng.nextFloat() < 0.3 ? 1 : prng.nextFloat(),
        topK: prng.nextFloat() < 0.5 ? 0 : 1 + Math.floor(prng.nextFloat() * vocab),
        minP: prng.nextFloat() < 0.5 ? 0 : prng.nextFloat() * 0.5,
      };
      const expected = referenceDistribution(random, settings);
      const actual = samplingDistribution(random, settings);
      const dense = new Array<number>(vocab).fill(0);
      actual.ids.forEach((id, i) => (dense[id] = actual.probabilities[i]));
      dense.forEach((p, id) => expect(p).toBeCloseTo(expected[id], 9));
    }
  });

  it('handles a 65536-token vocabulary quickly (measured, not asserted)', () => {
    const prng = new Prng(5);
    const big = Float32Array.from({ length: 65536 }, () => prng.nextFloat() * 30);
    const started = performance.now();
    const runs = 20;
    for (let run = 0; run < runs; run++) samplingDistribution(big, { temperature: 1, topP: 0.9, topK: 0, minP: 0 });
    const topPMs = (performance.now() - started) / runs;
    const startedK = performance.now();
    for (let run = 0; run < runs; run++) samplingDistribution(big, { temperature: 1, topP: 1, topK: 40, minP: 0 });
    const topKMs = (performance.now() - startedK) / runs;
    console.log(
      `samplingDistribution over 65536 logits: top-p 0.9 ${topPMs.toFixed(2)} ms, top-k 40 ${topKMs.toFixed(2)} ms`,
    );
    expect(samplingDistribution(big, { temperature: 1, topP: 1, topK: 40, minP: 0 }).ids.length).toBe(40);
  });
});
