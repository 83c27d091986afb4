/**
 * The last step of storing a model: once every chunk is stored, each one is read back and checked against its
 * recorded SHA-256 (a bad one is fetched again from the source) and, when the caller gave the whole file's SHA-256,
 * the chunks are fed through the incremental hasher of sha256.ts and the result compared. Only then is the manifest
 * marked complete. A complete model with chunks recorded missing (evicted) goes through the same pass, which fetches
 * them again. A whole-file mismatch removes the model: its source serves something other than what was asked.
 */
import type { ProgressCallback } from '../progress.js';
import { throwIfAborted } from './abort.js';
import type { ChunkSource } from './chunk-source.js';
import type { ModelDatabase } from './database.js';
import { ModelIntegrityError } from './errors.js';
import { bytesToHex } from './hash.js';
import type { ModelManifest } from './manifest.js';
import { StoredModel } from './reader.js';
import { Sha256 } from './sha256.js';

export interface CompletionOptions {
  /** Expected SHA-256 of the whole file, lower-case hex. */
  sha256?: string;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
}

export function normaliseSha256(sha256: string | undefined): string | undefined {
  if (sha256 === undefined) return undefined;
  if (!/^[0-9a-fA-F]{64}$/.test(sha256)) {
    throw new TypeError(`sha256 must be 64 hexadecimal digits, got ${JSON.stringify(sha256)}`);
  }
  return sha256.toLowerCase();
}

/** Verifies a model whose chunks are all stored and marks it complete; returns the stored manifest. */
export async function completeModel(
  db: ModelDatabase,
  manifest: ModelManifest,
  source: ChunkSource,
  { sha256, onProgress, signal }: CompletionOptions,
): Promise<ModelManifest> {
  const alreadyVerified =
    manifest.status === 'complete' &&
    !manifest.missingChunks?.length &&
    (sha256 === undefined || sha256 === manifest.sha256);
  if (alreadyVerified) return manifest;
  const reader = new StoredModel(db, manifest, source);
  const hasher = sha256 === undefined ? undefined : new Sha256();
  let loaded = 0;
  onProgress?.({ phase: 'verify', loaded, total: manifest.bytes });
  for (let index = 0; index < manifest.chunkCount; index++) {
    throwIfAborted(signal);
    const chunk = await reader.chunk(index, signal);
    hasher?.update(chunk);
    loaded += chunk.length;
    onProgress?.({ phase: 'verify', loaded, total: manifest.bytes });
  }
  if (hasher) {
    const actual = bytesToHex(hasher.digest());
    if (actual !== sha256) {
      await db.delete(manifest.id);
      throw new ModelIntegrityError(
        `Model ${manifest.id} has SHA-256 ${actual}, not the expected ${sha256}; it was removed from the store.`,
      );
    }
  }
  // Every chunk was just read, and a missing one fetched again and stored: none is missing any more.
  const { missingChunks: _repaired, ...rest } = manifest;
  const complete: ModelManifest = { ...rest, status: 'complete', sha256: sha256 ?? manifest.sha256 };
  await db.write(complete);
  return complete;
}
