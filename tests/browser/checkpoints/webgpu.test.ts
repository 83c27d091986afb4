/**
 * Checkpoints on the WebGPU backend (engine in its worker): a session saved from one engine restores into a new
 * engine with identical logits and the same seeded continuation as a fork of it that never stopped; and the time a
 * prefix-cache hit saves on a system prompt of the 7v0-834K fixture (logged, compared to a fresh prefill's logits).
 */
import { afterAll, describe, expect, test } from 'vitest';
import { createEngine } from '../../../src/engine/engine.js';
import { collect, modelBytes, tinyModel } from '../../engine/helpers.js';
import { describeWithFixtures, fixtureUrl } from '../fixtures.js';
import { deleteDatabase, uniqueDatabase } from './helpers.js';

const sessionDatabase = uniqueDatabase('webgpu');
afterAll(() => deleteDatabase(sessionDatabase));

describe('checkpoints on WebGPU', () => {
  test('save → new engine → restore: identical logits, same seeded continuation as never stopping', async () => {
    const model = modelBytes(tinyModel('7', 61));
    const before = await createEngine({ model, backend: 'webgpu', sessionDatabase });
    expect(before.info.backend).toBe('webgpu');
    const session = await before.createSession();
    await session.prefill('On the GPU');
    await collect(session.generate({ seed: 1, maxTokens: 6 }));
    const info = await session.save('gpu');
    const neverStopped = await session.fork();
    const logits = await neverStopped.logits();
    const continuation = await collect(neverStopped.generate({ seed: 2, maxTokens: 12, temperature: 0.7 }));
    await before.dispose();

    const after = await createEngine({ model, backend: 'webgpu', sessionDatabase });
    expect(after.info.modelId).toBe(info.modelId);
    const restored = await after.restoreSession('gpu');
    expect(await restored.logits()).toEqual(logits);
    expect(await collect(restored.generate({ seed: 2, maxTokens: 12, temperature: 0.7 }))).toEqual(continuation);
    await after.dispose();
  });
});

describeWithFixtures('prefix cache on WebGPU, 7v0-834K', () => {
  test('time saved by a hit', async () => {
    const engine = await createEngine({
      model: fixtureUrl('rwkv-cpp', 'tiny-rwkv-7v0-834K-FP32.bin'),
      backend: 'webgpu',
      sessionDatabase,
    });
    const prefix = `System: ${'Answer in one short sentence; never use lists or headings. '.repeat(6)}\n\n`;
    const warm = await engine.createSession();
    await warm.prefill('warm up the pipelines');
    await warm.dispose();
    const timed = async () => {
      const startedAt = performance.now();
      const session = await engine.createSession({ prefix });
      const logits = await session.logits();
      const ms = performance.now() - startedAt;
      await session.dispose();
      return { ms, logits };
    };
    const miss = await timed();
    const hit = await timed();
    expect(hit.logits).toEqual(miss.logits);
    console.info(
      `prefix cache, 7v0-834K on WebGPU, ${prefix.length} tokens: miss ${miss.ms.toFixed(0)} ms, ` +
        `hit ${hit.ms.toFixed(0)} ms`,
    );
    await engine.dispose();
  });
});
