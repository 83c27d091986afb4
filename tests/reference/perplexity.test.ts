/**
 * Perplexity with the CPU reference: the same whatever the chunk size, equal to exp of the mean negative
 * log-likelihood computed by hand from the logits; and, on the fixtures (a held-out English passage,
 * data/held-out-english.txt), the load-time quantizations' perplexity changes within the issue's targets:
 * q8 within +0.5 % of f32, q4 within +5 %.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { loadCanonicalModel } from '../../src/formats/load.js';
import { createState } from '../../src/generations/state.js';
import { createSyntheticModel } from '../../src/generations/synthetic.js';
import { quantizedAsLoaded } from '../../src/quantize/oracle-weights.js';
import { createReferenceModel } from '../../src/reference/model.js';
import { perplexity } from '../../src/reference/perplexity.js';
import { describeWithFixtures, readFixture } from '../fixtures.js';

const reference = createReferenceModel(
  createSyntheticModel({ generation: '5.2', nLayer: 2, nEmbed: 32, headSize: 16, nFfn: 64, nVocab: 50, seed: 9 }),
);
const tokens = Array.from({ length: 23 }, (_, i) => (i * 17 + 3) % 50);

test('perplexity is exp of the mean NLL of each next token, whatever the chunk size', () => {
  const state = createState(reference.spec);
  let total = 0;
  for (let t = 0; t + 1 < tokens.length; t++) {
    const logits = Array.from(reference.forward([tokens[t]], state));
    const logSum = Math.log(logits.reduce((sum, logit) => sum + Math.exp(logit), 0));
    total += logSum - logits[tokens[t + 1]];
  }
  const byHand = Math.exp(total / (tokens.length - 1));
  for (const chunk of [1, 5, 128]) {
    const measured = perplexity(reference, tokens, chunk);
    expect(measured.tokens).toBe(tokens.length);
    expect(measured.perplexity).toBeCloseTo(byHand, 4);
  }
});

test('fewer than two tokens or a bad chunk size are refused', () => {
  expect(() => perplexity(reference, [1])).toThrow(RangeError);
  expect(() => perplexity(reference, tokens, 0)).toThrow(RangeError);
});

describeWithFixtures('perplexity change of the load-time quantizations on the fixtures', () => {
  // The first 1024 bytes keep the test short; `rwkv-webgpu perplexity` measures the whole passage.
  const text = Array.from(readFileSync(new URL('../../data/held-out-english.txt', import.meta.url))).slice(0, 1024);
  test.each(['4v0-660K', '5v1-730K', '5v2-730K', '7v0-834K'])('%s: q8 ≤ +0.5 %, q4 ≤ +5 %', async (name) => {
    const model = await loadCanonicalModel(readFixture('rwkv-cpp', `tiny-rwkv-${name}-FP32.bin`));
    const base = perplexity(createReferenceModel(model), text).perplexity;
    const change = (quantize: 'q8' | 'q4') =>
      perplexity(createReferenceModel(quantizedAsLoaded(model, { quantize })), text).perplexity / base - 1;
    const [q8, q4] = [change('q8'), change('q4')];
    console.log(`${name}: f32 ${base.toFixed(4)}, q8 ${(100 * q8).toFixed(2)} %, q4 ${(100 * q4).toFixed(2)} %`);
    expect(q8).toBeLessThanOrEqual(0.005);
    expect(q4).toBeLessThanOrEqual(0.05);
  });
});
