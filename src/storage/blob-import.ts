/**
 * Storing a local File or Blob (file picker, drag and drop) like a download: read slice by slice with
 * `blob.slice(...).arrayBuffer()`, one chunk at a time, never the whole file at once. Space is checked before
 * anything is written; an interrupted import resumes from the last stored chunk when given the same file again.
 */
import type { ProgressCallback } from '../progress.js';
import { throwIfAborted } from './abort.js';
import { ChunkWriter } from './chunk-writer.js';
import type { ModelDatabase } from './database.js';
import { chunkSpan } from './layout.js';
import { newManifest, storedBytes, type ModelManifest } from './manifest.js';
import { ensureSpaceFor, requestPersistence } from './quota.js';

export interface BlobImportOptions {
  chunkSize: number;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
}

/** Default id of an imported file: its name, size and modification time, which identify it well enough to resume. */
export function blobModelId(blob: Blob): string {
  const name = blob instanceof File ? blob.name : 'blob';
  const modified = blob instanceof File ? blob.lastModified : 0;
  return `file:${name}#${blob.size}-${modified}`;
}

/**
 * Stores every chunk of `blob` under `id` (resuming a partial import of a blob of the same size) and returns the
 * manifest, still 'partial' until completion.ts has verified it. The caller holds the model's lock.
 */
export async function importBlobChunks(
  db: ModelDatabase,
  id: string,
  blob: Blob,
  { chunkSize, onProgress, signal }: BlobImportOptions,
): Promise<ModelManifest> {
  let manifest = await db.getManifest(id);
  const resumable = manifest?.source.kind === 'blob' && manifest.bytes === blob.size;
  if (!manifest || !resumable) {
    await ensureSpaceFor(blob.size - (manifest ? storedBytes(manifest) : 0), `file ${id}`);
    const name = blob instanceof File ? blob.name : 'blob';
    manifest = newManifest(id, { kind: 'blob', name }, blob.size, chunkSize, {}, Date.now());
    await db.replace(manifest);
  } else {
    await ensureSpaceFor(blob.size - storedBytes(manifest), `the rest of file ${id}`);
  }
  void requestPersistence();
  const total = manifest.bytes;
  const writer: ChunkWriter = new ChunkWriter(db, manifest, {
    signal,
    onStored: () => onProgress?.({ phase: 'download', loaded: writer.storedBytes, total }),
  });
  for (let index = manifest.chunkHashes.length; index < manifest.chunkCount; index++) {
    throwIfAborted(signal);
    const { start, end } = chunkSpan(index, manifest.chunkSize, manifest.bytes);
    await writer.write(new Uint8Array(await blob.slice(start, end).arrayBuffer()));
  }
  return writer.manifest;
}
