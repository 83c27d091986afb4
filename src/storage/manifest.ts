/**
 * The manifest record of a stored model: where it came from, its size and validators, how it is cut into chunks,
 * the SHA-256 of each stored chunk, and whether it is complete. Chunks are always stored as a prefix of the file, so
 * `chunkHashes.length` is the number of chunks stored. The format reader fills `format` and `spec` later.
 */
import type { ModelSpec } from '../model/spec.js';
import type { Validators } from './http.js';
import { chunkCount } from './layout.js';

/** Bumped whenever the stored layout changes incompatibly. */
export const MANIFEST_VERSION = 1;

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
  /** Expected hex SHA-256 of the whole file, when the caller gave one; checked before `complete`. */
  sha256?: string;
  createdAt: number;
  /** Last download, open or read (ms since the epoch). */
  lastUsed: number;
  /** Detected file format (e.g. 'rwkv.cpp', 'pth', 'safetensors'), filled by the loader. */
  format?: string;
  /** Model description, filled by the loader. */
  spec?: ModelSpec;
}

/** One entry of `models.list()`. */
export interface StoredModelInfo {
  id: string;
  /** Source URL; undefined for a model stored from a File or Blob. */
  url: string | undefined;
  bytes: number;
  storedBytes: number;
  complete: boolean;
  lastUsed: number;
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

/** Bytes held by the stored chunks. */
export function storedBytes(manifest: ModelManifest): number {
  return Math.min(manifest.chunkHashes.length * manifest.chunkSize, manifest.bytes);
}

export function describeManifest(manifest: ModelManifest): StoredModelInfo {
  return {
    id: manifest.id,
    url: manifest.source.kind === 'url' ? manifest.source.url : undefined,
    bytes: manifest.bytes,
    storedBytes: storedBytes(manifest),
    complete: manifest.status === 'complete',
    lastUsed: manifest.lastUsed,
  };
}
