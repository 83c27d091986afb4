/**
 * Log-probabilities of sampled tokens: they are ln of the probabilities the draw used (checked against the draw's
 * own frequencies), normalise to 1 over the kept tokens, list the most likely alternatives in order, and reflect
 * the filters (removed tokens never listed) and, at temperature 0, the plain softmax of the adjusted logits.
 */
import { describe, expect, it } from 'vitest';
import { checkTopLogprobs, MAX_TOP_LOGPROBS, sampledLogprobs } from '../../src/sampling/logprobs.js';
import { Prng } from '../../src/sampling/prng.js';
import { Sampler, type SamplerOptions } from '../../src/sampling/sampler.js';

function randomLogits(seed: number, length: number): Float32Array {
  const prng = new Prng(seed);
  return Float32Array.from({ length }, () => prng.nextFloat() * 6 - 3);
}

/** ln softmax(logits / temperature) over `kept` ids, computed directly. */
function logSoftmax(logits: Float32Array, temperature: number, kept: number[]): Map<number, number> {
  const scaled = kept.map((id) => logits[id] / temperature);
  const max = Math.max(...scaled);
  const logTotal = Math.log(scaled.reduce((sum, x) => sum + Math.exp(x - max), 0)) + max;
  return new Map(kept.map((id, i) => [id, scaled[i] - logTotal]));
}

function describeDraw(options: SamplerOptions, logits: Float32Array, top: number) {
  const { token, distribution } = new Sampler(options).sampleWithDistribution(logits);
  return { token, ...sampledLogprobs(distribution, token, top) };
}

describe('sampledLogprobs', () => {
  it('are the tempered softmax over all tokens without filters; they sum to 1', () => {
    const logits = randomLogits(1, 12);
    const { token, logprob, top } = describeDraw({ temperature: 0.7, seed: 5 }, logits, 12);
    const expected = logSoftmax(logits, 0.7, [...logits.keys()]);
    expect(logprob).toBeCloseTo(expected.get(token)!, 5);
    expect(top).toHaveLength(12);
    for (const { token: id, logprob: value } of top) expect(value).toBeCloseTo(expected.get(id)!, 5);
    expect(top.reduce((sum, entry) => sum + Math.exp(entry.logprob), 0)).toBeCloseTo(1, 10);
  });

  it('list the most likely first (ties to the lower id) and no more than asked', () => {
    const logits = Float32Array.of(1, 3, 2, 3, 0, 2);
    const { top } = describeDraw({ seed: 1 }, logits, 4);
    expect(top.map((entry) => entry.token)).toEqual([1, 3, 2, 5]);
    const { top: none } = describeDraw({ seed: 1 }, logits, 0);
    expect(none).toEqual([]);
  });

  it('follow top-k: only the k kept tokens, renormalised among themselves', () => {
    const logits = randomLogits(2, 50);
    const { token, logprob, top } = describeDraw({ topK: 5, temperature: 1.3, seed: 9 }, logits, 20);
    const kept = [...logits.keys()].sort((a, b) => logits[b] - logits[a]).slice(0, 5);
    const expected = logSoftmax(logits, 1.3, kept);
    expect(top.map((entry) => entry.token)).toEqual(kept);
    expect(logprob).toBeCloseTo(expected.get(token)!, 5);
    expect(top.reduce((sum, entry) => sum + Math.exp(entry.logprob), 0)).toBeCloseTo(1, 10);
  });

  it('see the logit bias: a banned token never appears', () => {
    const logits = Float32Array.of(5, 4, 3);
    const { top } = describeDraw({ seed: 2, logitBias: { 0: -Infinity } }, logits, 3);
    expect(top.map((entry) => entry.token)).toEqual([1, 2]);
    expect(Math.exp(top[0].logprob) + Math.exp(top[1].logprob)).toBeCloseTo(1, 10);
  });

  it('at temperature 0 are the plain softmax of the logits, and the token is its mode', () => {
    const logits = randomLogits(3, 30);
    const { token, logprob, top } = describeDraw({ temperature: 0, topK: 2 }, logits, 3);
    const expected = logSoftmax(logits, 1, [...logits.keys()]);
    expect(token).toBe(top[0].token);
    expect(logprob).toBeCloseTo(Math.max(...expected.values()), 5);
    for (const { token: id, logprob: value } of top) expect(value).toBeCloseTo(expected.get(id)!, 5);
  });

  it('match the frequencies of the tokens actually drawn', () => {
    const logits = randomLogits(4, 8);
    const sampler = new Sampler({ temperature: 0.8, topP: 0.9, seed: 11 });
    const counts = new Map<number, number>();
    let probabilities = new Map<number, number>();
    const draws = 20_000;
    for (let i = 0; i < draws; i++) {
      const { token, distribution } = sampler.sampleWithDistribution(logits);
      counts.set(token, (counts.get(token) ?? 0) + 1);
      const { top } = sampledLogprobs(distribution, token, MAX_TOP_LOGPROBS);
      probabilities = new Map(top.map((entry) => [entry.token, Math.exp(entry.logprob)]));
    }
    expect([...counts.keys()].every((token) => probabilities.has(token))).toBe(true);
    for (const [token, p] of probabilities) expect(Math.abs((counts.get(token) ?? 0) / draws - p)).toBeLessThan(0.012);
  });

  it('refuse more than 20 alternatives, or a non-integer', () => {
    expect(() => checkTopLogprobs('top_logprobs', 21)).toThrow(/top_logprobs must be an integer in 0..20, not 21/);
    expect(() => checkTopLogprobs('topLogprobs', 1.5)).toThrow(RangeError);
    expect(() => checkTopLogprobs('topLogprobs', -1)).toThrow(RangeError);
    expect(() => checkTopLogprobs('topLogprobs', 20)).not.toThrow();
  });
});
