/**
 * Reads a model file for the CLI from disk, never whole: as a file-backed Blob, streamed front to back for the
 * rwkv.cpp format and read by random access (Blob slices) for .pth and safetensors; a file-system error becomes a
 * one-line message.
 */
import { openAsBlob } from 'node:fs';
import { access } from 'node:fs/promises';
import { RwkvError } from '../errors.js';
import { loadCanonicalModel } from '../formats/load.js';
import type { CanonicalModel } from '../model/spec.js';
import { openByteSource } from '../worker/model-source.js';

/** A file that cannot be opened (missing, unreadable). */
export class FileAccessError extends RwkvError {
  override name = 'FileAccessError';
}

export async function assertReadable(path: string, what: string): Promise<void> {
  try {
    await access(path);
  } catch (error) {
    throw new FileAccessError(`cannot read ${what} '${path}': ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
}

export async function loadModelFile(path: string): Promise<CanonicalModel> {
  await assertReadable(path, 'model file');
  return loadCanonicalModel(await openByteSource(await openAsBlob(path)));
}
