/**
 * The checkpoint records in IndexedDB: a database of their own, 'rwkv-webgpu-sessions' by default (idb-keyval opens
 * exactly one object store per database, so the model store's database cannot hold them), with one object store,
 * 'checkpoints'. A write is one readwrite transaction; when any of its requests fails, or a put throws (a value that
 * cannot be cloned), the transaction is aborted, so a checkpoint is never left half-written.
 */
import { createStore, promisifyRequest } from 'idb-keyval';
import { AbortError, QuotaError } from '../errors.js';
import type { CheckpointRecords, RecordChanges, RecordKey } from './checkpoint-records.js';

export const CHECKPOINT_DATABASE_NAME = 'rwkv-webgpu-sessions';
const OBJECT_STORE_NAME = 'checkpoints';

/** [kind] sorts before every [kind, …] and [kind, []] after them all (arrays sort after strings). */
const allOfKind = (kind: string): IDBKeyRange => IDBKeyRange.bound([kind], [kind, []]);

export function indexedDbRecords(databaseName: string = CHECKPOINT_DATABASE_NAME): CheckpointRecords {
  const store = createStore(databaseName, OBJECT_STORE_NAME);
  return {
    get<T>(key: RecordKey) {
      return store('readonly', (objects) => promisifyRequest<T | undefined>(objects.get(key)));
    },
    getAll<T>(kind: string) {
      return store('readonly', (objects) => promisifyRequest<T[]>(objects.getAll(allOfKind(kind))));
    },
    async write(changes: RecordChanges) {
      try {
        await store('readwrite', (objects) => {
          try {
            for (const key of changes.delete ?? []) objects.delete(key);
            for (const [key, value] of changes.put ?? []) objects.put(value, key);
          } catch (error) {
            objects.transaction.abort();
            throw error;
          }
          return promisifyRequest(objects.transaction);
        });
      } catch (error) {
        throw writeFailure(error, databaseName);
      }
    },
  };
}

/** A quota failure as QuotaError, an explicit abort (no error of its own) as AbortError; others as they are. */
function writeFailure(error: unknown, databaseName: string): unknown {
  if (error instanceof DOMException && error.name === 'QuotaExceededError') {
    return new QuotaError(
      `Storage quota exceeded while saving a session in ${databaseName}; nothing was written. Delete checkpoints ` +
        '(engine.sessions.delete) or models (models.delete) to make room.',
      { cause: error },
    );
  }
  if (error === null || error === undefined) {
    return new AbortError(`A write to ${databaseName} was aborted; nothing was written.`);
  }
  return error;
}
