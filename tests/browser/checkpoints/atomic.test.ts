/**
 * A checkpoint write never leaves a partial record: `session.save` puts the state and then its listing entry in one
 * IndexedDB transaction; when the second put fails (throws, the transaction is aborted mid-way, or the quota runs
 * out) neither record is written and an older checkpoint of the same key stays intact and restorable.
 */
import { createStore, get } from 'idb-keyval';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createEngine } from '../../../src/engine/engine.js';
import type { Engine } from '../../../src/engine/engine.js';
import type { Session } from '../../../src/engine/session.js';
import { AbortError, QuotaError } from '../../../src/errors.js';
import { CheckpointNotFoundError } from '../../../src/storage/state-errors.js';
import { modelBytes, tinyModel } from '../../engine/helpers.js';
import { deleteDatabase, uniqueDatabase } from './helpers.js';

const sessionDatabase = uniqueDatabase('atomic');
const raw = createStore(sessionDatabase, 'checkpoints');
const originalPut = IDBObjectStore.prototype.put;

/** Makes the `failAt`-th call of IDBObjectStore.put (counting from 1) do `fail` instead; afterEach undoes it. */
function breakPut(
  failAt: number,
  fail: (store: IDBObjectStore, args: Parameters<IDBObjectStore['put']>) => IDBRequest,
) {
  let calls = 0;
  IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
    calls += 1;
    return calls === failAt ? fail(this, args) : originalPut.apply(this, args);
  };
}

const FAILURES = [
  {
    name: 'the second put throws',
    fail: (): IDBRequest => {
      throw new DOMException('simulated: the value could not be cloned', 'DataCloneError');
    },
    error: DOMException,
  },
  {
    name: 'the transaction is aborted mid-way',
    fail: (store: IDBObjectStore, args: Parameters<IDBObjectStore['put']>): IDBRequest => {
      const request = originalPut.apply(store, args);
      store.transaction.abort();
      return request;
    },
    error: AbortError,
  },
  {
    name: 'the quota runs out',
    fail: (): IDBRequest => {
      throw new DOMException('simulated: quota exceeded', 'QuotaExceededError');
    },
    error: QuotaError,
  },
];

describe('a checkpoint write is all or nothing', () => {
  let engine: Engine;
  let session: Session;
  let savedLogits: Float32Array;

  beforeAll(async () => {
    engine = await createEngine({ model: modelBytes(tinyModel('7', 51)), backend: 'cpu', sessionDatabase });
    session = await engine.createSession();
    await session.prefill('kept');
    await session.save('existing');
    savedLogits = await session.logits();
    await session.prefill(' and then some more');
  });
  afterEach(() => {
    IDBObjectStore.prototype.put = originalPut;
  });
  afterAll(async () => {
    await engine.dispose();
    await deleteDatabase(sessionDatabase);
  });

  for (const { name, fail, error } of FAILURES) {
    test(`${name}: nothing is written, the older checkpoint is intact`, async () => {
      const before = await engine.sessions.list();
      breakPut(2, fail);
      await expect(session.save('existing')).rejects.toThrow(error);
      breakPut(2, fail);
      await expect(session.save('new')).rejects.toThrow(error);
      IDBObjectStore.prototype.put = originalPut;

      expect(await engine.sessions.list()).toEqual(before);
      expect(await get(['state', 'new'], raw)).toBeUndefined();
      expect(await get(['checkpoint', 'new'], raw)).toBeUndefined();
      await expect(engine.restoreSession('new')).rejects.toThrow(CheckpointNotFoundError);
      const restored = await engine.restoreSession('existing');
      expect(await restored.logits()).toEqual(savedLogits);
      await restored.dispose();
    });
  }

  test('with put working again, the save goes through', async () => {
    const info = await session.save('new');
    expect(info.tokens).toBe('kept and then some more'.length);
    expect(await get(['checkpoint', 'new'], raw)).toEqual(info);
  });
});
