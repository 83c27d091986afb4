/**
 * The prefix cache: `createSession({ prefix })` prefills a prefix once per model; a later session with exactly the
 * same tokens runs no backend prefill at all (counted on the CPU backend) and has the logits of a fresh prefill
 * (and of the oracle) and the same seeded continuation. Other prefixes and other models miss; the least recently
 * used prefix is evicted past the limit. Also measures the time a hit saves on the 7v0-834K fixture.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { CpuBackend } from '../../src/backend/cpu.js';
import { createEngine } from '../../src/engine/engine.js';
import { CheckpointStore } from '../../src/storage/checkpoint-store.js';
import { memoryRecords } from '../../src/storage/checkpoint-records.js';
import { decodeStateFile } from '../../src/storage/state-file.js';
import type { StateFile } from '../../src/storage/state-file.js';
import { describeWithFixtures, fixturePath } from '../fixtures.js';
import { bytesOf, collect, cpuEngine, Oracle, tinyModel } from './helpers.js';

const SYSTEM = 'System: You are a terse assistant.\n\n';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('prefix cache', () => {
  const model = tinyModel('7', 31);

  test('a hit runs no prefill and equals a fresh prefill: logits and seeded continuation', async () => {
    const engine = await cpuEngine(model, { sessionDatabase: 'prefix-test-hit', prefillChunkSize: 8 });
    const prefill = vi.spyOn(CpuBackend.prototype, 'prefill');

    const fresh = await engine.createSession();
    await fresh.prefill(SYSTEM);
    const freshLogits = await fresh.logits();
    const freshPrefills = prefill.mock.calls.length;
    expect(freshPrefills).toBe(Math.ceil(bytesOf(SYSTEM).length / 8));

    const miss = await engine.createSession({ prefix: SYSTEM });
    expect(prefill.mock.calls.length).toBe(2 * freshPrefills);
    const hit = await engine.createSession({ prefix: SYSTEM });
    const byIds = await engine.createSession({ prefix: bytesOf(SYSTEM) });
    expect(prefill.mock.calls.length).toBe(2 * freshPrefills);

    const oracle = new Oracle(model).feed(bytesOf(SYSTEM));
    expect(Math.max(...freshLogits.map((v, i) => Math.abs(v - oracle[i])))).toBeLessThan(1e-4);
    for (const session of [miss, hit, byIds]) expect(await session.logits()).toEqual(freshLogits);

    const options = { seed: 17, maxTokens: 12, temperature: 0.8 };
    const expected = await collect(fresh.generate(options));
    for (const session of [miss, hit, byIds]) expect(await collect(session.generate(options))).toEqual(expected);
    const exported = decodeStateFile(new Uint8Array(await (await hit.exportStateBlob()).arrayBuffer()));
    expect([...exported.tokens]).toEqual([...bytesOf(SYSTEM), ...expected.map((t) => t.token)]);
    await engine.dispose();
  });

  test('another prefix, or another model, misses', async () => {
    const sessionDatabase = 'prefix-test-miss';
    const engine = await cpuEngine(model, { sessionDatabase });
    const other = await cpuEngine(tinyModel('7', 32), { sessionDatabase });
    const prefill = vi.spyOn(CpuBackend.prototype, 'prefill');
    await engine.createSession({ prefix: SYSTEM });
    const calls = prefill.mock.calls.length;
    await engine.createSession({ prefix: SYSTEM.slice(0, -1) });
    expect(prefill.mock.calls.length).toBeGreaterThan(calls);
    const afterShorter = prefill.mock.calls.length;
    await other.createSession({ prefix: SYSTEM });
    expect(prefill.mock.calls.length).toBeGreaterThan(afterShorter);
    await expect(engine.createSession({ prefix: [256] })).rejects.toThrow(RangeError);
    const empty = await engine.createSession({ prefix: '' });
    await expect(empty.logits()).rejects.toThrow(/prefill/);
    await Promise.all([engine.dispose(), other.dispose()]);
  });

  test('past the limit the least recently used prefix is evicted', async () => {
    const store = new CheckpointStore(memoryRecords(), 2);
    const file = (token: number): StateFile => ({
      identity: { specHash: 'a'.repeat(64), modelId: 'b'.repeat(64) },
      model: { name: 'm', generation: '7', nLayer: 1, nEmbed: 1, nVocab: 2, nHead: 1, headSize: 1, nFfn: 1 },
      tokens: Uint32Array.of(token),
      logits: undefined,
      state: { layoutVersion: 1, data: Float32Array.of(token) },
    });
    const cached = async (token: number) => (await store.loadPrefix('b'.repeat(64), Uint32Array.of(token)))?.state;
    await store.savePrefix(file(1));
    await new Promise((resolve) => setTimeout(resolve, 2));
    await store.savePrefix(file(2));
    await new Promise((resolve) => setTimeout(resolve, 2));
    expect(await cached(1)).toEqual({ layoutVersion: 1, data: Float32Array.of(1) });
    await new Promise((resolve) => setTimeout(resolve, 2));
    await store.savePrefix(file(3));
    expect(await cached(2)).toBeUndefined();
    expect(await cached(1)).toBeDefined();
    expect(await cached(3)).toBeDefined();
    expect(await store.loadPrefix('c'.repeat(64), Uint32Array.of(1))).toBeUndefined();
  });
});

describeWithFixtures('prefix cache on the 7v0-834K fixture', () => {
  test('time saved by a hit on a 400-token system prompt', async () => {
    const engine = await createEngine({
      model: new Uint8Array(readFileSync(fixturePath('rwkv-cpp', 'tiny-rwkv-7v0-834K-FP32.bin'))),
      backend: 'cpu',
      worker: false,
      sessionDatabase: 'prefix-test-timing',
    });
    const prompt = `System: ${'You answer in one short sentence and never use lists. '.repeat(8)}\n\n`.slice(0, 400);
    const timed = async () => {
      const startedAt = performance.now();
      const session = await engine.createSession({ prefix: prompt });
      const logits = await session.logits();
      return { ms: performance.now() - startedAt, logits };
    };
    const miss = await timed();
    const hit = await timed();
    expect(hit.logits).toEqual(miss.logits);
    console.info(
      `prefix cache, 7v0-834K on the CPU, ${prompt.length} tokens: miss ${miss.ms.toFixed(1)} ms, ` +
        `hit ${hit.ms.toFixed(1)} ms (saved ${(miss.ms - hit.ms).toFixed(1)} ms)`,
    );
    await engine.dispose();
  });
});
