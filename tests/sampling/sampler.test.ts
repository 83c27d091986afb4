import { describe, expect, it } from 'vitest';
import { argmax } from '../../src/sampling/distribution.js';
import { Prng } from '../../src/sampling/prng.js';
import { resolveSamplerOptions, Sampler, type SamplerOptions } from '../../src/sampling/sampler.js';

function sampleMany(options: SamplerOptions, logits: Float32Array, count: number): number[] {
  const sampler = new Sampler(options);
  return Array.from({ length: count }, () => sampler.sample(logits));
}

function frequencies(tokens: number[], vocab: number): number[] {
  const counts = new Array<number>(vocab).fill(0);
  for (const token of tokens) counts[token]++;
  return counts.map((count) => count / tokens.length);
}

describe('Sampler', () => {
  it('picks the argmax at temperature 0 (lowest id among ties)', () => {
    expect(sampleMany({ temperature: 0 }, Float32Array.of(0.1, 3, -2, 3), 3)).toEqual([1, 1, 1]);
  });

  it('with top-k = 1 always returns the argmax', () => {
    const prng = new Prng(3);
    const sampler = new Sampler({ topK: 1, temperature: 1.5, seed: 1 });
    for (let trial = 0; trial < 200; trial++) {
      const logits = Float32Array.from({ length: 64 }, () => prng.nextFloat() * 4);
      expect(sampler.sample(logits)).toBe(argmax(logits));
    }
  });

  it('adds logitBias, and −Infinity bans a token', () => {
    const logits = Float32Array.of(2, 1, 0);
    expect(sampleMany({ temperature: 0, logitBias: { 2: 2.5 } }, logits, 1)).toEqual([2]);
    expect(sampleMany({ temperature: 0, logitBias: { 0: -Infinity } }, logits, 1)).toEqual([1]);
    expect(new Set(sampleMany({ seed: 3, logitBias: { 0: -Infinity, 2: -Infinity } }, logits, 50))).toEqual(
      new Set([1]),
    );
  });

  it('applies the penalties after each token with ChatRWKV’s decay convention', () => {
    // Frequency 1, decay 0.5, logits [3, 2.2, 0] (hand-computed):
    // step 1: 0 → counts {0: 1}; step 2: [2, 2.2] → 1 → {0: 0.5, 1: 1}; step 3: [2.5, 1.2] → 0 → {0: 1.25, 1: 0.5};
    // step 4: [1.75, 1.7] → 0 → {0: 1.625, 1: 0.25}; step 5: [1.375, 1.95] → 1.
    const logits = Float32Array.of(3, 2.2, 0);
    expect(sampleMany({ temperature: 0, frequencyPenalty: 1, penaltyDecay: 0.5 }, logits, 5)).toEqual([0, 1, 0, 0, 1]);
    // Without decay, counts only grow: 0, 1, then [2, 1.2] → 0, [1, 1.2] → 1, [1, 0.2] → 0.
    expect(sampleMany({ temperature: 0, frequencyPenalty: 1 }, logits, 5)).toEqual([0, 1, 0, 1, 0]);
    // Presence only: 0, then [2.5, 2.2] → 0 again, forever.
    expect(sampleMany({ temperature: 0, presencePenalty: 0.5 }, logits, 3)).toEqual([0, 0, 0]);
  });

  it('leaves the caller’s logits untouched', () => {
    const logits = Float32Array.of(1, 2, 3);
    const sampler = new Sampler({ presencePenalty: 1, logitBias: { 0: 1 }, seed: 1 });
    sampler.sample(logits);
    expect(Array.from(logits)).toEqual([1, 2, 3]);
    expect(sampler.adjustLogits(logits)[0]).toBe(2);
  });

  it('reproduces the same tokens from the same seed and options', () => {
    const prng = new Prng(99);
    const steps = Array.from({ length: 50 }, () => Float32Array.from({ length: 100 }, () => prng.nextFloat() * 5));
    const run = (seed: number) => {
      const sampler = new Sampler({ seed, temperature: 0.9, topP: 0.95, topK: 50, presencePenalty: 0.2 });
      return steps.map((logits) => sampler.sample(logits));
    };
    expect(run(1234)).toEqual(run(1234));
    expect(run(1234)).not.toEqual(run(1235));
  });

  it('draws with the frequencies of the distribution', () => {
    const logits = Float32Array.from([0.5, 0.3, 0.2], Math.log);
    const plain = frequencies(sampleMany({ seed: 42 }, logits, 20_000), 3);
    [0.5, 0.3, 0.2].forEach((p, id) => expect(Math.abs(plain[id] - p)).toBeLessThan(0.01));
    // top-p 0.75 keeps 0.5 and 0.3 → 0.625 / 0.375.
    const nucleus = frequencies(sampleMany({ seed: 43, topP: 0.75 }, logits, 20_000), 3);
    [0.625, 0.375, 0].forEach((p, id) => expect(Math.abs(nucleus[id] - p)).toBeLessThan(0.01));
  });

  it('fills in neutral defaults', () => {
    const { seed, logitBias, ...rest } = resolveSamplerOptions({});
    expect(rest).toEqual({
      temperature: 1,
      topP: 1,
      topK: 0,
      minP: 0,
      presencePenalty: 0,
      frequencyPenalty: 0,
      penaltyDecay: 1,
    });
    expect(Number.isSafeInteger(seed)).toBe(true);
    expect(logitBias.size).toBe(0);
  });

  it.each<[SamplerOptions, string]>([
    [{ temperature: -1 }, 'temperature'],
    [{ temperature: Infinity }, 'temperature'],
    [{ topP: 1.5 }, 'topP'],
    [{ topP: NaN }, 'topP'],
    [{ topK: 2.5 }, 'topK'],
    [{ minP: -0.1 }, 'minP'],
    [{ presencePenalty: NaN }, 'presencePenalty'],
    [{ frequencyPenalty: Infinity }, 'frequencyPenalty'],
    [{ penaltyDecay: 1.1 }, 'penaltyDecay'],
    [{ seed: -3 }, 'seed'],
    [{ logitBias: { [-1]: 1 } }, 'logitBias key'],
    [{ logitBias: { 3: Infinity } }, 'logitBias[3]'],
  ])('rejects %j', (options, name) => {
    expect(() => new Sampler(options)).toThrow(RangeError);
    expect(() => new Sampler(options)).toThrow(name);
  });

  it('rejects logits it cannot sample from', () => {
    expect(() => new Sampler({ seed: 1 }).sample(Float32Array.of(0, NaN))).toThrow('Logits contain NaN');
    expect(() => new Sampler({ seed: 1 }).sample(Float32Array.of(-Infinity, -Infinity))).toThrow('banned');
    expect(() => new Sampler({ seed: 1, logitBias: { 5: 1 } }).sample(new Float32Array(3))).toThrow('beyond 3');
  });
});
