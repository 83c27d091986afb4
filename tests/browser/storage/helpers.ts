/**
 * Shared pieces of the model-store browser tests: a store in a database of its own (fast retries), unique file
 * names, reading a stored model whole, and direct access to the raw IndexedDB records to tamper with them.
 */
import { createStore, del, get, set } from 'idb-keyval';
import { afterEach, beforeEach, vi } from 'vitest';
import { createModelStore, type ModelStore } from '../../../src/storage/index.js';
import type { ModelManifest } from '../../../src/storage/manifest.js';
import type { StoredModel } from '../../../src/storage/reader.js';

export const TEST_CHUNK_SIZE = 64 * 1024;

export interface TestStore {
  models: ModelStore;
  databaseName: string;
  /** Raw record access, bypassing the store (the key layout of src/storage/database.ts). */
  rawChunk(id: string, index: number): Promise<ArrayBuffer | undefined>;
  setRawChunk(id: string, index: number, bytes: ArrayBuffer): Promise<void>;
  deleteRawChunk(id: string, index: number): Promise<void>;
  rawManifest(id: string): Promise<ModelManifest | undefined>;
  destroy(): Promise<void>;
}

let counter = 0;

export function uniqueName(label: string): string {
  counter += 1;
  return `${label}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

export function createTestStore(): TestStore {
  const databaseName = uniqueName('rwkv-store-test');
  const models = createModelStore({ databaseName, retry: { maxRetries: 3, baseDelayMs: 5, maxDelayMs: 20 } });
  const raw = createStore(databaseName, 'models');
  return {
    models,
    databaseName,
    rawChunk: (id, index) => get<ArrayBuffer>(['chunk', id, index], raw),
    setRawChunk: (id, index, bytes) => set(['chunk', id, index], bytes, raw),
    deleteRawChunk: (id, index) => del(['chunk', id, index], raw),
    rawManifest: (id) => get<ModelManifest>(['manifest', id], raw),
    destroy: async () => {
      await new Promise<void>((resolve) => {
        const request = indexedDB.deleteDatabase(databaseName);
        request.onsuccess = request.onerror = request.onblocked = () => resolve();
      });
    },
  };
}

/**
 * A fresh store for each test of the calling describe (read it through the returned function), destroyed after the
 * test, mocks restored first.
 */
export function storePerTest(): () => TestStore {
  let store: TestStore | undefined;
  beforeEach(() => {
    store = createTestStore();
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await store?.destroy();
  });
  return () => {
    if (store === undefined) throw new Error('storePerTest: the store exists only inside a test');
    return store;
  };
}

/** All bytes of a stored model through its chunk iterator. */
export async function readWhole(model: StoredModel): Promise<Uint8Array> {
  const out = new Uint8Array(model.bytes);
  let offset = 0;
  for await (const chunk of model) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  if (offset !== model.bytes) throw new Error(`iterator gave ${offset} bytes, expected ${model.bytes}`);
  return out;
}

/** Lower-case hex SHA-256 through crypto.subtle, as an independent reference. */
export async function referenceSha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Index of the first differing byte, or -1: keeps failure messages short instead of dumping arrays. */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}
