/**
 * Reads a model file for the CLI: streamed from disk in chunks (never read whole), with a file-system error turned
 * into a one-line message.
 */
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { RwkvError } from '../errors.js';
import { loadCanonicalModel } from '../formats/load.js';
import type { CanonicalModel } from '../model/spec.js';

/** A file that cannot be opened (missing, unreadable). */
export class FileAccessError extends RwkvError {}

export async function assertReadable(path: string, what: string): Promise<void> {
  try {
    await access(path);
  } catch (error) {
    throw new FileAccessError(`cannot read ${what} '${path}': ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
}

export async function loadModelFile(path: string): Promise<CanonicalModel> {
  await assertReadable(path, 'model file');
  return loadCanonicalModel(createReadStream(path, { highWaterMark: 1 << 20 }));
}
