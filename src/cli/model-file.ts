/**
 * Reads a model file for the CLI from disk, never whole: as a file-backed Blob, streamed front to back for the
 * rwkv.cpp format and read by random access (Blob slices) for .pth and safetensors; a Hugging Face folder as its
 * files (model-folder.ts); a file-system error becomes a one-line message.
 */
import { openAsBlob } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { RwkvError } from '../errors.js';
import { openModelStream } from '../formats/load.js';
import { collectModel } from '../formats/tensor-stream.js';
import type { CanonicalModel } from '../model/spec.js';
import type { ModelFiles, ModelInput, ResolvedLora } from '../protocol/types.js';
import { openAdapters } from '../worker/lora-adapters.js';
import { openModelFiles } from '../worker/model-files.js';
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

/** A model file, or a Hugging Face model folder, read into canonical tensors, with LoRA adapters merged if given. */
export async function loadModelFile(path: string, lora: readonly ResolvedLora[] = []): Promise<CanonicalModel> {
  await assertReadable(path, 'model file');
  const adapters = (await openAdapters(lora)).files;
  const source = (await isFolder(path))
    ? (await openModelFiles(await modelFolderFiles(path))).source
    : await openByteSource(await openAsBlob(path));
  return collectModel(await openModelStream(source, { adapters }));
}

/** What createEngine gets for `--model PATH`: the file, or a folder's files. */
export async function modelInputOf(path: string): Promise<ModelInput | ModelFiles> {
  return (await isFolder(path)) ? modelFolderFiles(path) : openAsBlob(path);
}

async function isFolder(path: string): Promise<boolean> {
  return (await stat(path)).isDirectory();
}

/**
 * A Hugging Face model folder (`--model DIR`): its files as named Files (file-backed, never read whole), for
 * createEngine's ModelFiles, which picks the weight files, the index and config.json among them (model-files.ts).
 */
async function modelFolderFiles(folder: string): Promise<File[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  return Promise.all(
    entries
      .filter((entry) => entry.isFile())
      .map(async (entry) => new File([await openAsBlob(join(folder, entry.name))], entry.name)),
  );
}

/** Refuses a folder where only a single model file can be served (the browser runner of `--backend webgpu`). */
export async function assertSingleFile(path: string): Promise<void> {
  if (await isFolder(path)) {
    throw new FileAccessError(
      `'${path}' is a folder: --backend webgpu takes one model file; use --backend cpu for a Hugging Face folder`,
    );
  }
}
