/**
 * Checkpoints in Node (process memory): save → dispose the engine → a new engine restores the session with the same
 * logits and the same seeded continuation as a run that never stopped (and the oracle's logits); list and delete;
 * a missing key; a write that fails leaves the store as it was.
 */
import { describe, expect, test } from 'vitest';
import { CheckpointStore } from '../../src/storage/checkpoint-store.js';
import { memoryRecords } from '../../src/storage/checkpoint-records.js';
import { CheckpointNotFoundError } from '../../src/storage/state-errors.js';
import { decodeStateFile } from '../../src/storage/state-file.js';
import { bytesOf, collect, cpuEngine, Oracle, tinyModel } from './helpers.js';

const model = tinyModel('6', 21);
const PROMPT = 'Save me, then';
const FIRST = { seed: 3, maxTokens: 8, temperature: 0.9 };
const SECOND = { seed: 4, maxTokens: 16, topP: 0.8 };

describe('checkpoints in Node', () => {
  test('save → new engine → restore continues exactly as a run that never stopped', async () => {
    const sessionDatabase = 'store-test-restore';
    const uninterrupted = await cpuEngine(model);
    const straight = await uninterrupted.createSession();
    await straight.prefill(PROMPT);
    const firstTokens = (await collect(straight.generate(FIRST))).map((t) => t.token);
    const expectedLogits = await straight.logits();
    const expectedContinuation = await collect(straight.generate(SECOND));
    await uninterrupted.dispose();

    const before = await cpuEngine(model, { sessionDatabase });
    const session = await before.createSession();
    await session.prefill(PROMPT);
    await collect(session.generate(FIRST));
    const info = await session.save('chat-1');
    expect(info).toMatchObject({
      key: 'chat-1',
      modelId: before.info.modelId,
      specHash: before.info.specHash,
      tokens: bytesOf(PROMPT).length + FIRST.maxTokens,
      model: { name: 'rwkv', generation: '6', nLayer: 2, nEmbed: 32, nVocab: 256 },
    });
    await before.dispose();

    const after = await cpuEngine(model, { sessionDatabase });
    expect(await after.sessions.list()).toEqual([{ ...info, orphaned: false }]);
    const restored = await after.restoreSession('chat-1');
    expect(await restored.logits()).toEqual(expectedLogits);
    const oracle = new Oracle(model);
    const oracleLogits = oracle.feed([...bytesOf(PROMPT), ...firstTokens]);
    expect(Math.max(...expectedLogits.map((v, i) => Math.abs(v - oracleLogits[i])))).toBeLessThan(1e-4);
    expect(await collect(restored.generate(SECOND))).toEqual(expectedContinuation);

    await restored.save('chat-1');
    const [resaved] = await after.sessions.list();
    expect(resaved.tokens).toBe(info.tokens + SECOND.maxTokens);
    expect(await after.sessions.delete('chat-1')).toBe(true);
    expect(await after.sessions.delete('chat-1')).toBe(false);
    expect(await after.sessions.list()).toEqual([]);
    await expect(after.restoreSession('chat-1')).rejects.toThrow(CheckpointNotFoundError);
    await expect(restored.save('')).rejects.toThrow(TypeError);
    await after.dispose();
  });

  test('stores are separate per database name; list shows every key', async () => {
    const engine = await cpuEngine(model, { sessionDatabase: 'store-test-a' });
    const other = await cpuEngine(model, { sessionDatabase: 'store-test-b' });
    const session = await engine.createSession();
    await session.prefill('x');
    await session.save('b');
    await session.save('a');
    expect((await engine.sessions.list()).map((entry) => entry.key)).toEqual(['a', 'b']);
    expect(await other.sessions.list()).toEqual([]);
    await expect(cpuEngine(model, { sessionDatabase: '' })).rejects.toThrow(TypeError);
    await Promise.all([engine.dispose(), other.dispose()]);
  });

  test("another model's checkpoints are orphaned where no model store holds that model (Node has none)", async () => {
    const sessionDatabase = 'store-test-orphans';
    const engine = await cpuEngine(model, { sessionDatabase });
    const other = await cpuEngine(tinyModel('7', 99), { sessionDatabase });
    for (const [owner, key] of [
      [engine, 'mine'],
      [other, 'theirs'],
    ] as const) {
      const session = await owner.createSession();
      await session.prefill('x');
      await session.save(key);
    }
    const orphans = async (viewer: typeof engine) =>
      Object.fromEntries((await viewer.sessions.list()).map((entry) => [entry.key, entry.orphaned]));
    expect(await orphans(engine)).toEqual({ mine: false, theirs: true });
    expect(await orphans(other)).toEqual({ mine: true, theirs: false });
    await Promise.all([engine.dispose(), other.dispose()]);
  });

  test('a write that fails (a value that cannot be stored) changes nothing', async () => {
    const engine = await cpuEngine(model);
    const session = await engine.createSession();
    await session.prefill('kept');
    const file = decodeStateFile(new Uint8Array(await (await session.exportStateBlob()).arrayBuffer()));
    await engine.dispose();
    const records = memoryRecords();
    const store = new CheckpointStore(records);
    const kept = await store.save('k', file);
    const stored = await records.get<ArrayBuffer>(['state', 'k']);
    await expect(
      records.write({
        put: [
          [['state', 'k'], new ArrayBuffer(4)],
          [['checkpoint', 'k'], { unclonable: () => undefined }],
        ],
      }),
    ).rejects.toThrow(/could not be cloned/);
    expect(await records.get(['state', 'k'])).toEqual(stored);
    expect(await store.list()).toEqual([kept]);
    expect(await store.load('k')).toEqual(file);
  });
});
