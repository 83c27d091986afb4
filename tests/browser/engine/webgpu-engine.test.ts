/**
 * The engine on WebGPU, in its worker, over a fixture model loaded by URL: logits and perplexity against rwkv.cpp's
 * reference logits (max error 1e-3), greedy tokens against the CPU oracle, the tokens of GPU-selected candidates
 * equal to those of whole rows, batched concurrent sessions equal to solo runs, fork. The engine is made with `backend: 'auto'`, which must pick WebGPU here. One engine and few tokens:
 * on SwiftShader, compiling the pipelines takes about a minute and a token of this 12-layer model about a second.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createEngine } from '../../../src/engine/engine.js';
import type { Engine } from '../../../src/engine/engine.js';
import type { GenerateOptions } from '../../../src/protocol/types.js';
import { loadCanonicalModel } from '../../../src/formats/load.js';
import { bytesOf, generatedIds, Oracle, referenceMeanNll } from '../../engine/helpers.js';
import { describeWithFixtures, fetchFixture, fixtureUrl, REFERENCE_PROMPT } from '../fixtures.js';

const MODEL = '7v0-834K';
const MODEL_FILE = `tiny-rwkv-${MODEL}-FP32.bin`;

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

describeWithFixtures('engine on WebGPU in a Web Worker', () => {
  let engine: Engine;
  let reference: Float32Array;

  beforeAll(async () => {
    engine = await createEngine({ model: fixtureUrl('rwkv-cpp', MODEL_FILE) });
    const bytes = await fetchFixture('reference-logits', `in-${MODEL}-FP32.logits`);
    reference = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  }, 300_000);
  afterAll(() => engine.dispose());

  test("'auto' picked WebGPU; info names the GPU; logits and perplexity match rwkv.cpp within 1e-3", async () => {
    expect(engine.info).toMatchObject({ backend: 'webgpu', generation: '7', nVocab: 256, warnings: [] });
    expect(engine.info.adapter).toBeDefined();
    expect(engine.info.limits?.maxStorageBufferBindingSize).toBeGreaterThan(0);
    const session = await engine.createSession();
    await session.prefill(REFERENCE_PROMPT);
    expect(maxAbsDiff(await session.logits(), reference.subarray(2 * 256))).toBeLessThan(1e-3);
    await session.dispose();
    const nll = referenceMeanNll(reference, bytesOf(REFERENCE_PROMPT), 256);
    expect((await engine.evaluate(REFERENCE_PROMPT)).nll).toBeCloseTo(nll, 3);
  });

  test('greedy tokens equal those of the CPU oracle', async () => {
    const prompt = 'The sky above the port';
    const oracle = new Oracle(await loadCanonicalModel(await fetchFixture('rwkv-cpp', MODEL_FILE)));
    oracle.feed(bytesOf(prompt));
    expect(await generatedIds(engine, prompt, { temperature: 0, maxTokens: 8 })).toEqual(oracle.greedy(8));
  });

  test('top candidates selected on the GPU give the tokens whole rows give, seed for seed', async () => {
    // logprobs need whole rows: the same sampling then reads back every logit
    const prompt = 'The sky above the port';
    for (const options of [
      { temperature: 0, maxTokens: 4 },
      { topK: 20, topP: 0.9, temperature: 1.5, seed: 5, maxTokens: 4 },
    ]) {
      expect(await generatedIds(engine, prompt, options)).toEqual(
        await generatedIds(engine, prompt, { ...options, logprobs: true }),
      );
    }
  });

  test('concurrent sessions (batched decode) produce exactly their solo tokens', async () => {
    const jobs: [string, GenerateOptions][] = [
      ['was the color of television', { seed: 1, maxTokens: 8 }],
      ['x', { temperature: 0, maxTokens: 6 }],
    ];
    const solo = [];
    for (const [prompt, options] of jobs) solo.push(await generatedIds(engine, prompt, options));
    const together = await Promise.all(jobs.map(([prompt, options]) => generatedIds(engine, prompt, options)));
    expect(together).toEqual(solo);
  });

  test('fork copies the GPU state', async () => {
    const parent = await engine.createSession();
    await parent.prefill('Case');
    const child = await parent.fork();
    expect(maxAbsDiff(await child.logits(), await parent.logits())).toBe(0);
    await child.prefill(' closed');
    const oracle = new Oracle(await loadCanonicalModel(await fetchFixture('rwkv-cpp', MODEL_FILE)));
    expect(maxAbsDiff(await child.logits(), oracle.feed(bytesOf('Case closed')))).toBeLessThan(1e-3);
    await Promise.all([parent.dispose(), child.dispose()]);
  });
});
