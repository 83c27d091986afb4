/**
 * The reference forward pass against rwkv.cpp's logits on the tiny fixture models of every generation and format:
 * every position of the prompt `"in`, fed serially and in chunks of 2 and 3 tokens, within 1e-4 (max-abs); and the
 * FP32 models against rwkv.cpp's own expected-logits files.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { loadCanonicalModel } from '../../src/formats/load.js';
import { createState } from '../../src/generations/state.js';
import { createReferenceModel } from '../../src/reference/model.js';
import { describeWithFixtures, fixturePath, REFERENCE_PROMPT, referenceLogitsCases } from '../fixtures.js';
import { maxAbsDiff, runChunked } from './helpers.js';

const TOLERANCE = 1e-4;
const PROMPT_TOKENS = Array.from(new TextEncoder().encode(REFERENCE_PROMPT));

function readF32(path: string): Float32Array {
  const bytes = new Uint8Array(readFileSync(path));
  return new Float32Array(bytes.buffer, 0, bytes.length / 4);
}

describeWithFixtures('reference forward vs rwkv.cpp reference logits', () => {
  it.each(referenceLogitsCases().map((c) => [`${c.model} ${c.format}`, c] as const))('%s', async (_, fixture) => {
    const model = createReferenceModel(await loadCanonicalModel(new Uint8Array(readFileSync(fixture.modelFile))));
    const expected = readF32(fixture.logitsFile);
    expect(expected.length).toBe(PROMPT_TOKENS.length * model.spec.nVocab);
    for (const chunk of [1, 2, 3]) {
      const difference = maxAbsDiff(runChunked(model, PROMPT_TOKENS, chunk).logits, expected);
      console.log(`${fixture.model} ${fixture.format}, chunk ${chunk}: max-abs ${difference.toExponential(2)}`);
      expect(difference).toBeLessThanOrEqual(TOLERANCE);
    }
  });
});

describeWithFixtures('reference forward vs rwkv.cpp expected-logits (FP32 models)', () => {
  const fp32 = referenceLogitsCases().filter((c) => c.format === 'FP32');
  it.each(fp32.map((c) => [c.model, c] as const))('%s', async (_, fixture) => {
    const model = createReferenceModel(await loadCanonicalModel(new Uint8Array(readFileSync(fixture.modelFile))));
    const expected = readF32(fixturePath('rwkv-cpp', `expected-logits-${fixture.model}.bin`));
    const difference = maxAbsDiff(model.forward(PROMPT_TOKENS, createState(model.spec)), expected);
    console.log(`${fixture.model} expected-logits: max-abs ${difference.toExponential(2)}`);
    expect(difference).toBeLessThanOrEqual(TOLERANCE);
  });
});
