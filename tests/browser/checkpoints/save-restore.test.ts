/**
 * Checkpoints in a real browser (IndexedDB), with the engine in its Web Worker: save → dispose the engine → a new
 * engine in a new worker restores the session with identical logits and an identical seeded continuation (and the
 * oracle's logits); list and delete (the raw records too); states of other models refused; the prefix cache.
 */
import { createStore, get, keys } from 'idb-keyval';
import { afterAll, describe, expect, test } from 'vitest';
import { createEngine } from '../../../src/engine/engine.js';
import type { Engine } from '../../../src/engine/engine.js';
import type { CanonicalModel } from '../../../src/model/spec.js';
import { CheckpointNotFoundError, StateMismatchError } from '../../../src/storage/state-errors.js';
import { bytesOf, collect, modelBytes, Oracle, tinyModel } from '../../engine/helpers.js';
import { deleteDatabase, uniqueDatabase } from './helpers.js';

const model = tinyModel('5.2', 41);
const sessionDatabase = uniqueDatabase('save-restore');
const raw = createStore(sessionDatabase, 'checkpoints');
const PROMPT = 'The state of a conversation';
const FIRST = { seed: 8, maxTokens: 10, temperature: 0.9 };
const SECOND = { seed: 9, maxTokens: 20, topK: 30 };

function workerEngine(weights: CanonicalModel = model): Promise<Engine> {
  return createEngine({ model: modelBytes(weights), backend: 'cpu', sessionDatabase });
}

afterAll(() => deleteDatabase(sessionDatabase));

describe('checkpoints in IndexedDB, engine in a Web Worker', () => {
  test('save → new engine in a new worker → restore: identical logits and seeded continuation', async () => {
    const straightEngine = await workerEngine();
    const straight = await straightEngine.createSession();
    await straight.prefill(PROMPT);
    const firstTokens = (await collect(straight.generate(FIRST))).map((t) => t.token);
    const expectedLogits = await straight.logits();
    const expectedContinuation = await collect(straight.generate(SECOND));
    await straightEngine.dispose();

    const before = await workerEngine();
    const session = await before.createSession();
    await session.prefill(PROMPT);
    await collect(session.generate(FIRST));
    const info = await session.save('conversation');
    await before.dispose();
    expect(await get(['checkpoint', 'conversation'], raw)).toEqual(info);
    expect(((await get(['state', 'conversation'], raw)) as ArrayBuffer).byteLength).toBe(info.bytes);

    const after = await workerEngine();
    const restored = await after.restoreSession('conversation');
    const logits = await restored.logits();
    expect(logits).toEqual(expectedLogits);
    const oracleLogits = new Oracle(model).feed([...bytesOf(PROMPT), ...firstTokens]);
    expect(Math.max(...logits.map((v, i) => Math.abs(v - oracleLogits[i])))).toBeLessThan(1e-4);
    expect(await collect(restored.generate(SECOND))).toEqual(expectedContinuation);
    await after.dispose();
  });

  test('list and delete', async () => {
    const engine = await workerEngine();
    const session = await engine.createSession();
    await session.prefill('one');
    const one = await session.save('list/1');
    await session.prefill(', two');
    const two = await session.save('list/2');
    const listed = (await engine.sessions.list()).filter((entry) => entry.key.startsWith('list/'));
    expect(listed).toEqual([one, two].map((entry) => ({ ...entry, orphaned: false })));
    expect([one.tokens, two.tokens]).toEqual([3, 8]);
    expect(await engine.sessions.delete('list/1')).toBe(true);
    expect(await engine.sessions.delete('list/1')).toBe(false);
    expect((await engine.sessions.list()).filter((entry) => entry.key.startsWith('list/'))).toEqual([
      { ...two, orphaned: false },
    ]);
    expect(await get(['state', 'list/1'], raw)).toBeUndefined();
    expect(await get(['checkpoint', 'list/1'], raw)).toBeUndefined();
    await expect(engine.restoreSession('list/1')).rejects.toThrow(CheckpointNotFoundError);
    const kept = await engine.restoreSession('list/2');
    expect(await kept.logits()).toEqual(await session.logits());
    await engine.dispose();
  });

  test('a state of another model is refused, by key and as a Blob', async () => {
    const home = await workerEngine();
    const session = await home.createSession();
    await session.prefill('foreign');
    await session.save('foreign');
    const blob = await session.exportStateBlob();
    await home.dispose();
    for (const other of [tinyModel('5.2', 42), tinyModel('7', 41)]) {
      const engine = await workerEngine(other);
      await expect(engine.restoreSession('foreign')).rejects.toThrow(StateMismatchError);
      const error = await engine.importState(blob).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StateMismatchError);
      expect((error as Error).message).toMatch(other.spec.generation === '7' ? /another shape/ : /same shape/);
      await engine.dispose();
    }
  });

  test('prefix cache: a hit equals a fresh prefill, and the prefix state is in IndexedDB', async () => {
    const engine = await workerEngine();
    const system = 'System: be brief.\n\n';
    const fresh = await engine.createSession();
    await fresh.prefill(system);
    const miss = await engine.createSession({ prefix: system });
    const hit = await engine.createSession({ prefix: system });
    const expected = await fresh.logits();
    expect(await miss.logits()).toEqual(expected);
    expect(await hit.logits()).toEqual(expected);
    const options = { seed: 2, maxTokens: 12 };
    const continuation = await collect(fresh.generate(options));
    expect(await collect(hit.generate(options))).toEqual(continuation);
    const prefixes = await keys(raw);
    expect(prefixes.filter((key) => Array.isArray(key) && key[0] === 'prefix')).toHaveLength(1);
    await engine.dispose();
  });
});
