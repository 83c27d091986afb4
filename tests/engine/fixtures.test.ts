/**
 * The engine over rwkv.cpp's tiny trained byte-level models (shared fixtures), loaded from disk as a Blob: logits
 * and perplexity against rwkv.cpp's reference logits, and greedy generation against the CPU oracle.
 */
import { openAsBlob } from 'node:fs';
import { expect, test } from 'vitest';
import { createEngine } from '../../src/engine/engine.js';
import { loadCanonicalModel } from '../../src/formats/load.js';
import { describeWithFixtures, fixturePath, readFixture, REFERENCE_PROMPT } from '../fixtures.js';
import { bytesOf, collect, Oracle, referenceMeanNll } from './helpers.js';

const MODELS = ['4v0-660K', '5v1-730K', '5v2-730K', '7v0-834K'];

describeWithFixtures('engine on the rwkv.cpp fixture models', () => {
  test.each(MODELS)('%s: logits, perplexity and greedy text', async (name) => {
    const modelFile = fixturePath('rwkv-cpp', `tiny-rwkv-${name}-FP32.bin`);
    const engine = await createEngine({ model: await openAsBlob(modelFile), backend: 'cpu' });
    const bytes = readFixture('reference-logits', `in-${name}-FP32.logits`);
    const reference = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    const session = await engine.createSession();
    await session.prefill(REFERENCE_PROMPT);
    const logits = await session.logits();
    const last = reference.subarray(2 * 256);
    expect(Math.max(...logits.map((value, i) => Math.abs(value - last[i])))).toBeLessThan(1e-4);

    const tokens = bytesOf(REFERENCE_PROMPT);
    const evaluated = await engine.evaluate(REFERENCE_PROMPT);
    expect(evaluated.nll).toBeCloseTo(referenceMeanNll(reference, tokens, 256), 4);

    const oracle = new Oracle(await loadCanonicalModel(readFixture('rwkv-cpp', `tiny-rwkv-${name}-FP32.bin`)));
    oracle.feed(tokens);
    const generated = await collect(session.generate({ temperature: 0, maxTokens: 32 }));
    expect(generated.map((t) => t.token)).toEqual(oracle.greedy(32));
    await engine.dispose();
  });
});
