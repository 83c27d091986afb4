/**
 * The model store: the public face of src/storage. Downloads URLs and imports Files into IndexedDB (resumable,
 * verified, quota-checked, one writer per model across tabs), lists, opens, annotates and deletes stored models.
 */
import type { ModelSpec } from '../model/spec.js';
import type { LoadWarning, ProgressCallback } from '../progress.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './backoff.js';
import { blobModelId, importBlobChunks } from './blob-import.js';
import { blobChunkSource, urlChunkSource, type ChunkSource } from './chunk-source.js';
import { completeModel, normaliseSha256 } from './completion.js';
import { DEFAULT_DATABASE_NAME, ModelDatabase } from './database.js';
import { downloadChunks } from './download.js';
import { assertValidChunkSize, DEFAULT_CHUNK_SIZE } from './layout.js';
import { withModelLock } from './lock.js';
import { ModelIntegrityError, ModelNotStoredError } from './errors.js';
import {
  describeDamaged,
  describeManifest,
  storedBytes,
  type ModelManifest,
  type StoredModelInfo,
} from './manifest.js';
import { estimateStorage, isPersisted } from './quota.js';
import { StoredModel } from './reader.js';

export interface StoreOptions {
  onProgress?: ProgressCallback;
  /**
   * A `download-restarted` warning when stored bytes had to be discarded (the file changed on the server); without
   * this callback the warning goes to `console.warn`.
   */
  onWarning?: (warning: LoadWarning) => void;
  signal?: AbortSignal;
  /** Expected SHA-256 of the whole file (hex); checked before the model is marked complete. */
  sha256?: string;
  /** Bytes per stored chunk (a multiple of 64) for a model stored from scratch; a resume keeps the stored size. */
  chunkSize?: number;
}

export interface ImportOptions extends StoreOptions {
  /** Id to store the file under; by default derived from its name, size and modification time. */
  id?: string;
}

export interface StoreUsage {
  /** Number of models, complete or partial. */
  models: number;
  /** Bytes held by stored chunks, all models together. */
  storedBytes: number;
  /** The origin's usage and quota as `navigator.storage.estimate()` gives them (undefined when it does not). */
  usage: number | undefined;
  quota: number | undefined;
  /** Whether the browser granted persistent storage (models survive storage pressure). */
  persisted: boolean;
}

export interface ModelStoreConfig {
  /** IndexedDB database name; a database of its own (default 'rwkv-webgpu-models'). */
  databaseName?: string;
  retry?: Partial<RetryPolicy>;
}

export interface ModelStore {
  /** The id a URL is stored under: the absolute URL without its fragment. */
  idForUrl(url: string): string;
  /** Downloads `url` into the store unless it is already there (then no request at all); resumes a partial one. */
  download(url: string, options?: StoreOptions): Promise<StoredModelInfo>;
  /** Stores a File or Blob chunk by chunk; resumes a partial import of the same file. */
  importBlob(blob: Blob, options?: ImportOptions): Promise<StoredModelInfo>;
  /**
   * A reader over a complete model; ModelNotStoredError when it is absent or partial. Chunks found evicted are
   * recorded (the model is listed incomplete) and fetched again from its URL as they are read; a model imported from
   * a File cannot fetch them: ModelIntegrityError, import the file again.
   */
  open(id: string): Promise<StoredModel>;
  /** One model's entry, or undefined. */
  info(id: string): Promise<StoredModelInfo | undefined>;
  list(): Promise<StoredModelInfo[]>;
  /** Removes a model and its chunks (waiting for a download of it in another tab to stop); false when absent. */
  delete(id: string): Promise<boolean>;
  usage(): Promise<StoreUsage>;
  /** Records the detected format and spec of a stored model (the loader calls this once it has parsed it). */
  annotate(id: string, details: { format: string; spec?: ModelSpec; modelId?: string }): Promise<void>;
}

export function createModelStore(config: ModelStoreConfig = {}): ModelStore {
  const db = new ModelDatabase(config.databaseName ?? DEFAULT_DATABASE_NAME);
  const retry: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...config.retry };
  const lockName = (id: string): string => `${db.name}/${id}`;
  const touch = (id: string): Promise<ModelManifest | undefined> =>
    db.updateManifest(id, (manifest) => ({ ...manifest, lastUsed: Date.now() }));

  /** Where a stored model's chunks can be fetched again: its URL; an imported File is no longer at hand. */
  function sourceOf(manifest: ModelManifest): ChunkSource | undefined {
    return manifest.source.kind === 'url' ? urlChunkSource(manifest.source.url, manifest) : undefined;
  }

  /** The stored manifest; a damaged one (its hashes cannot be trusted) is removed with its chunks: start over. */
  async function readableManifest(id: string): Promise<ModelManifest | undefined> {
    try {
      return await db.getManifest(id);
    } catch (error) {
      if (!(error instanceof ModelIntegrityError)) throw error;
      await db.delete(id);
      return undefined;
    }
  }

  /** Records the listed chunks that storage no longer holds (evicted records) as missing. */
  async function recordEvictions(manifest: ModelManifest): Promise<ModelManifest> {
    const stored = await db.storedChunkIndexes(manifest.id);
    const known = new Set(manifest.missingChunks);
    const evicted = manifest.chunkHashes.map((_, index) => index).filter((i) => !stored.has(i) && !known.has(i));
    if (evicted.length === 0) return manifest;
    const updated = await db.updateManifest(manifest.id, (current) => ({
      ...current,
      missingChunks: [...new Set([...(current.missingChunks ?? []), ...evicted])].sort((a, b) => a - b),
    }));
    return updated ?? manifest;
  }

  /**
   * Stores model `id` under its lock: its chunks from the source unless a complete copy is stored (a partial one is
   * resumed), then the completion (every chunk's hash, the file's SHA-256); its entry, marked used.
   */
  async function store(
    id: string,
    options: StoreOptions,
    storeChunks: (chunkSize: number) => Promise<ModelManifest>,
    chunkSourceOf: (chunks: ModelManifest) => ChunkSource,
  ): Promise<StoredModelInfo> {
    const sha256 = normaliseSha256(options.sha256);
    const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    assertValidChunkSize(chunkSize);
    const manifest = await withModelLock(lockName(id), options.signal, async () => {
      const stored = await readableManifest(id);
      const chunks = stored?.status === 'complete' ? stored : await storeChunks(chunkSize);
      return completeModel(db, chunks, chunkSourceOf(chunks), { ...options, sha256 });
    });
    return describeManifest((await touch(id)) ?? manifest);
  }

  function idForUrl(url: string): string {
    const base = typeof location === 'undefined' ? undefined : location.href;
    const absolute = new URL(url, base);
    absolute.hash = '';
    return absolute.href;
  }

  return {
    idForUrl,

    download(url, options = {}) {
      const id = idForUrl(url);
      return store(
        id,
        options,
        (chunkSize) => downloadChunks(db, id, id, { ...options, chunkSize, retry }),
        (chunks) => urlChunkSource(id, chunks),
      );
    },

    importBlob(blob, options = {}) {
      const id = options.id ?? blobModelId(blob);
      return store(
        id,
        options,
        (chunkSize) => importBlobChunks(db, id, blob, { ...options, chunkSize }),
        (chunks) => blobChunkSource(blob, chunks),
      );
    },

    async open(id) {
      const manifest = await touch(id);
      if (manifest?.status !== 'complete') {
        throw new ModelNotStoredError(
          manifest
            ? `Model ${id} is only partly stored (${storedBytes(manifest)} of ${manifest.bytes} bytes): download it again to resume.`
            : `Model ${id} is not in the store: download or import it first.`,
        );
      }
      const checked = await recordEvictions(manifest);
      const source = sourceOf(checked);
      if (!source && checked.missingChunks?.length) {
        throw new ModelIntegrityError(
          `Chunks ${checked.missingChunks.join(', ')} of model ${id} were evicted or damaged in storage and it was ` +
            'imported from a file the store no longer has: import the file again (models.importBlob) to repair it.',
        );
      }
      return new StoredModel(db, checked, source);
    },

    async info(id) {
      const manifest = await db.getManifest(id);
      return manifest && describeManifest(manifest);
    },

    async list() {
      const { manifests, damaged } = await db.listManifests();
      return [...manifests.map(describeManifest), ...damaged.map(({ id, problem }) => describeDamaged(id, problem))];
    },

    async delete(id) {
      return withModelLock(lockName(id), undefined, async () => {
        const present = await db.hasManifest(id);
        if (present) await db.delete(id);
        return present;
      });
    },

    async usage() {
      const { manifests, damaged } = await db.listManifests();
      const { usage, quota } = await estimateStorage();
      return {
        models: manifests.length + damaged.length,
        storedBytes: manifests.reduce((sum, manifest) => sum + storedBytes(manifest), 0),
        usage,
        quota,
        persisted: await isPersisted(),
      };
    },

    async annotate(id, { format, spec, modelId }) {
      const updated = await db.updateManifest(id, (manifest) => ({ ...manifest, format, spec, modelId }));
      if (!updated) throw new ModelNotStoredError(`Model ${id} is not in the store: it cannot be annotated.`);
    },
  };
}
