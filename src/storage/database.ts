/**
 * The IndexedDB layout of the model store: one database with one object store (idb-keyval opens exactly one object
 * store per database, so nothing else may share this database). Keys are arrays:
 *   ['manifest', id]         → ModelManifest
 *   ['chunk', id, index]     → ArrayBuffer with the bytes of chunk `index`
 * Array keys sort element by element, so a model's chunks and all manifests are contiguous key ranges.
 */
import { createStore, promisifyRequest, type UseStore } from 'idb-keyval';
import { QuotaError } from '../errors.js';
import { ModelIntegrityError } from './errors.js';
import { readManifest, type ModelManifest } from './manifest.js';

export const DEFAULT_DATABASE_NAME = 'rwkv-webgpu-models';
const OBJECT_STORE_NAME = 'models';

const manifestKey = (id: string): IDBValidKey => ['manifest', id];
const chunkKey = (id: string, index: number): IDBValidKey => ['chunk', id, index];
const allChunksOf = (id: string): IDBKeyRange => IDBKeyRange.bound(['chunk', id, 0], ['chunk', id, Infinity]);
/** ['manifest'] sorts before every ['manifest', id] and ['manifest', []] after (arrays sort after strings). */
const allManifests = (): IDBKeyRange => IDBKeyRange.bound(['manifest'], ['manifest', []]);

function isQuotaExceeded(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'QuotaExceededError';
}

export class ModelDatabase {
  private readonly store: UseStore;

  constructor(readonly name: string = DEFAULT_DATABASE_NAME) {
    this.store = createStore(name, OBJECT_STORE_NAME);
  }

  /** A model's manifest, checked (readManifest: ModelIntegrityError when damaged), or undefined when absent. */
  async getManifest(id: string): Promise<ModelManifest | undefined> {
    const value = await this.store('readonly', (store) => promisifyRequest(store.get(manifestKey(id))));
    return value === undefined ? undefined : readManifest(value, id);
  }

  /** Whether a manifest, readable or not, is stored under `id`. */
  async hasManifest(id: string): Promise<boolean> {
    const key = await this.store('readonly', (store) => promisifyRequest(store.getKey(manifestKey(id))));
    return key !== undefined;
  }

  /** Every manifest, checked; the damaged ones apart, with what is wrong with them. */
  async listManifests(): Promise<{ manifests: ModelManifest[]; damaged: Array<{ id: string; problem: string }> }> {
    const [keys, values] = await this.store('readonly', (store) =>
      Promise.all([promisifyRequest(store.getAllKeys(allManifests())), promisifyRequest(store.getAll(allManifests()))]),
    );
    const manifests: ModelManifest[] = [];
    const damaged: Array<{ id: string; problem: string }> = [];
    keys.forEach((key, i) => {
      const id = String((key as IDBValidKey[])[1]);
      try {
        manifests.push(readManifest(values[i], id));
      } catch (error) {
        if (!(error instanceof ModelIntegrityError)) throw error;
        damaged.push({ id, problem: error.message });
      }
    });
    return { manifests, damaged };
  }

  /** Indices of the chunks of a model that are stored (keys only: no chunk is read). */
  async storedChunkIndexes(id: string): Promise<Set<number>> {
    const keys = await this.store('readonly', (store) => promisifyRequest(store.getAllKeys(allChunksOf(id))));
    return new Set(keys.map((key) => (key as IDBValidKey[])[2] as number));
  }

  /** A chunk's stored bytes, or undefined when absent. */
  async getChunk(id: string, index: number): Promise<Uint8Array<ArrayBuffer> | undefined> {
    const buffer = await this.store<ArrayBuffer | undefined>('readonly', (store) =>
      promisifyRequest(store.get(chunkKey(id, index))),
    );
    return buffer === undefined ? undefined : new Uint8Array(buffer);
  }

  /** Writes a manifest (and, when given, chunks with it) in one transaction: all of it lands or none. */
  write(manifest: ModelManifest, chunks: ReadonlyArray<{ index: number; bytes: Uint8Array }> = []): Promise<void> {
    return this.writeTransaction(manifest.id, (store) => {
      for (const { index, bytes } of chunks) store.put(toExactBuffer(bytes), chunkKey(manifest.id, index));
      store.put(manifest, manifestKey(manifest.id));
    });
  }

  /** Replaces one stored chunk (a repaired one), leaving the manifest as it is. */
  putChunk(id: string, index: number, bytes: Uint8Array): Promise<void> {
    return this.writeTransaction(id, (store) => store.put(toExactBuffer(bytes), chunkKey(id, index)));
  }

  /** Reads, changes and writes back a manifest in one transaction; the result, or undefined when absent. */
  updateManifest(id: string, change: (manifest: ModelManifest) => ModelManifest): Promise<ModelManifest | undefined> {
    return this.store('readwrite', async (store) => {
      const current = await promisifyRequest<unknown>(store.get(manifestKey(id)));
      const next = current === undefined ? undefined : change(readManifest(current, id));
      if (next) store.put(next, manifestKey(id));
      await promisifyRequest(store.transaction);
      return next;
    });
  }

  /** Removes a model's manifest and all its chunks in one transaction. */
  delete(id: string): Promise<void> {
    return this.store('readwrite', (store) => {
      store.delete(allChunksOf(id));
      store.delete(manifestKey(id));
      return promisifyRequest(store.transaction);
    });
  }

  /** Removes a model's chunks and writes `manifest` in their place, in one transaction (a download starting over). */
  replace(manifest: ModelManifest): Promise<void> {
    return this.writeTransaction(manifest.id, (store) => {
      store.delete(allChunksOf(manifest.id));
      store.put(manifest, manifestKey(manifest.id));
    });
  }

  /** Runs `body` in a readwrite transaction; a quota failure becomes QuotaError (the transaction wrote nothing). */
  private async writeTransaction(id: string, body: (store: IDBObjectStore) => void): Promise<void> {
    try {
      await this.store('readwrite', (store) => {
        body(store);
        return promisifyRequest(store.transaction);
      });
    } catch (error) {
      if (isQuotaExceeded(error)) {
        throw new QuotaError(
          `Storage quota exceeded while storing model ${id}; what was stored before is kept and the download can ` +
            'resume once space is freed (models.delete, or the browser site settings).',
          { cause: error },
        );
      }
      throw error;
    }
  }
}

/** The bytes of a view as an ArrayBuffer of exactly that length (a view of a larger buffer would store it all). */
function toExactBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) {
    return bytes.buffer;
  }
  return bytes.slice().buffer;
}
