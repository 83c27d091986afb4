/**
 * The manifest record of a stored model: where it came from, its size and validators, how it is cut into chunks,
 * the SHA-256 of each stored chunk, and whether it is complete. Chunks are always stored as a prefix of the file, so
 * `chunkHashes.length` is the number of chunks stored. The format reader fills `format` and `spec` later.
 */
import type { ModelSpec } from '../model/spec.js';
import { ModelIntegrityError } from './errors.js';
import type { Validators } from './http.js';
import { CHUNK_SIZE_MULTIPLE, chunkCount, chunkSpan } from './layout.js';

/** Bumped whenever the stored layout changes incompatibly. */
const MANIFEST_VERSION = 1;

export type ModelSource = { kind: 'url'; url: string } | { kind: 'blob'; name: string };

export interface ModelManifest extends Validators {
  version: typeof MANIFEST_VERSION;
  id: string;
  source: ModelSource;
  /** File size in bytes. */
  bytes: number;
  chunkSize: number;
  chunkCount: number;
  /** Hex SHA-256 of chunks 0 … length−1, the chunks stored so far. */
  chunkHashes: string[];
  status: 'partial' | 'complete';
  /**
   * Chunks listed in `chunkHashes` found absent (evicted) or damaged in storage: fetched again from the source on
   * demand, and removed from this list once stored again. A model with missing chunks is not complete.
   */
  missingChunks?: number[];
  /** Expected hex SHA-256 of the whole file, when the caller gave one; checked before `complete`. */
  sha256?: string;
  createdAt: number;
  /** Last download, open or read (ms since the epoch). */
  lastUsed: number;
  /** Detected file format (e.g. 'rwkv.cpp', 'pth', 'safetensors'), filled by the loader. */
  format?: string;
  /** Model description, filled by the loader. */
  spec?: ModelSpec;
  /** The loaded model's identity (engine.info.modelId, which saved states carry), filled by the loader. */
  modelId?: string;
}

/** One entry of `models.list()`. */
export interface StoredModelInfo {
  id: string;
  /** Source URL; undefined for a model stored from a File or Blob. */
  url: string | undefined;
  bytes: number;
  storedBytes: number;
  /** Identity of the model as last loaded (engine.info.modelId); undefined until an engine has loaded it. */
  modelId: string | undefined;
  /** Every chunk stored and none known missing. */
  complete: boolean;
  /** Chunks found evicted or damaged, fetched again when the model is next read (see ModelManifest). */
  missingChunks: number[];
  lastUsed: number;
  /** Set when the store's record of the model is unreadable: what is wrong (delete the model and store it again). */
  damaged?: string;
}

export function newManifest(
  id: string,
  source: ModelSource,
  bytes: number,
  chunkSize: number,
  validators: Validators,
  now: number,
): ModelManifest {
  return {
    version: MANIFEST_VERSION,
    id,
    source,
    bytes,
    chunkSize,
    chunkCount: chunkCount(bytes, chunkSize),
    chunkHashes: [],
    status: 'partial',
    createdAt: now,
    lastUsed: now,
    ...validators,
  };
}

/** Bytes held by the stored chunks (those known missing not counted). */
export function storedBytes(manifest: ModelManifest): number {
  const listed = Math.min(manifest.chunkHashes.length * manifest.chunkSize, manifest.bytes);
  const missing = (manifest.missingChunks ?? []).reduce((sum, index) => {
    const { start, end } = chunkSpan(index, manifest.chunkSize, manifest.bytes);
    return sum + end - start;
  }, 0);
  return listed - missing;
}

export function describeManifest(manifest: ModelManifest): StoredModelInfo {
  const missingChunks = [...(manifest.missingChunks ?? [])];
  return {
    id: manifest.id,
    url: manifest.source.kind === 'url' ? manifest.source.url : undefined,
    bytes: manifest.bytes,
    storedBytes: storedBytes(manifest),
    modelId: manifest.modelId,
    complete: manifest.status === 'complete' && missingChunks.length === 0,
    missingChunks,
    lastUsed: manifest.lastUsed,
  };
}

/** The entry of `models.list()` for a model whose manifest is unreadable. */
export function describeDamaged(id: string, problem: string): StoredModelInfo {
  return {
    id,
    url: undefined,
    bytes: 0,
    storedBytes: 0,
    modelId: undefined,
    complete: false,
    missingChunks: [],
    lastUsed: 0,
    damaged: problem,
  };
}

/**
 * A manifest as read back from IndexedDB, checked field by field: another version of the library, a browser bug
 * or a hand-edited database can leave anything there, and every size and count in it decides what is read and
 * allocated. ModelIntegrityError names the first problem.
 */
export function readManifest(value: unknown, id: string): ModelManifest {
  const problem = manifestProblem(value, id);
  if (problem !== undefined) {
    throw new ModelIntegrityError(
      `The store's record of model ${id} is damaged (${problem}); delete the model (models.delete) and store it again.`,
    );
  }
  return value as ModelManifest;
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;
const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isOptional = (value: unknown, type: 'string' | 'object'): boolean =>
  value === undefined || (typeof value === type && value !== null);

function manifestProblem(value: unknown, id: string): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not an object';
  const m = value as Partial<Record<keyof ModelManifest, unknown>>;
  if (m.version !== MANIFEST_VERSION) return `version ${String(m.version)}, expected ${MANIFEST_VERSION}`;
  if (m.id !== id) return 'its id is not the one it is stored under';
  const source = m.source as { kind?: unknown; url?: unknown; name?: unknown } | undefined;
  const sourceValid =
    typeof source === 'object' &&
    source !== null &&
    ((source.kind === 'url' && typeof source.url === 'string') ||
      (source.kind === 'blob' && typeof source.name === 'string'));
  if (!sourceValid) return 'no valid source';
  if (!isCount(m.bytes)) return `size ${String(m.bytes)}`;
  if (!isCount(m.chunkSize) || m.chunkSize === 0 || m.chunkSize % CHUNK_SIZE_MULTIPLE !== 0) {
    return `chunk size ${String(m.chunkSize)}`;
  }
  if (m.chunkCount !== chunkCount(m.bytes, m.chunkSize)) return `chunk count ${String(m.chunkCount)}`;
  const hashes = m.chunkHashes;
  if (!Array.isArray(hashes) || hashes.length > m.chunkCount) return 'chunk hashes: not a list of at most chunkCount';
  if (!hashes.every((hash) => typeof hash === 'string' && HEX_SHA256.test(hash))) return 'a chunk hash is not SHA-256';
  if (m.status !== 'partial' && m.status !== 'complete') return `status ${String(m.status)}`;
  if (m.status === 'complete' && hashes.length !== m.chunkCount) return 'complete, yet chunks are not all listed';
  const missing = m.missingChunks;
  if (missing !== undefined) {
    const valid =
      Array.isArray(missing) &&
      missing.every((index, i) => isCount(index) && index < hashes.length && (i === 0 || index > missing[i - 1]));
    if (!valid) return 'missing chunks: not increasing chunk indices';
  }
  if (m.sha256 !== undefined && !(typeof m.sha256 === 'string' && HEX_SHA256.test(m.sha256))) return 'whole-file hash';
  if (m.modelId !== undefined && !(typeof m.modelId === 'string' && HEX_SHA256.test(m.modelId))) return 'model id';
  if (!Number.isFinite(m.createdAt) || !Number.isFinite(m.lastUsed)) return 'dates';
  if (!isOptional(m.etag, 'string') || !isOptional(m.lastModified, 'string')) return 'validators';
  if (!isOptional(m.format, 'string') || !isOptional(m.spec, 'object')) return 'format or spec';
  return undefined;
}
