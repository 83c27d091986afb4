/**
 * Reads a model file for the CLI from disk (as a tensor stream, or collected), never whole: as a file-backed Blob, streamed front to back for the
 * rwkv.cpp format and GGUF and read by random access (Blob slices) for .pth and safetensors; a Hugging Face folder
 * or a split GGUF as its files (`modelPaths`); a file-system error becomes a one-line message.
 */
import { openAsBlob } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { RwkvError } from '../errors.js';
import { openModelStream } from '../formats/load.js';
import { collectModel, type ModelStream } from '../formats/tensor-stream.js';
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

/** A model file, a Hugging Face model folder or a split GGUF, as a stream of canonical tensors, LoRA adapters merged. */
export async function openModelFileStream(path: string, lora: readonly ResolvedLora[] = []): Promise<ModelStream> {
  const adapters = (await openAdapters(lora)).files;
  const input = await modelInputOf(path);
  const source = Array.isArray(input) ? (await openModelFiles(input)).source : await openByteSource(input as Blob);
  return openModelStream(source, { adapters });
}

/** A model file, a Hugging Face model folder or a split GGUF, read into canonical tensors, LoRA adapters merged. */
export async function loadModelFile(path: string, lora: readonly ResolvedLora[] = []): Promise<CanonicalModel> {
  return collectModel(await openModelFileStream(path, lora));
}

/**
 * The local files of `--model PATH`: a folder's files (a Hugging Face folder, or the parts of a split GGUF); every
 * part of a split GGUF when PATH is one of them (gguf-split's `name-0000i-of-0000N.gguf`, as llama.cpp takes the
 * first); else the file itself. `set` says whether they are read as the files of one model (createEngine's
 * ModelFiles) rather than as one file.
 */
export async function modelPaths(path: string): Promise<{ paths: string[]; set: boolean }> {
  await assertReadable(path, 'model file');
  if (await isFolder(path)) {
    const entries = await readdir(path, { withFileTypes: true });
    return { paths: entries.filter((entry) => entry.isFile()).map((entry) => join(path, entry.name)), set: true };
  }
  const split = SPLIT_GGUF_PART.exec(path);
  if (split === null) return { paths: [path], set: false };
  const count = Number(split[2]);
  const paths = Array.from(
    { length: count },
    (_, i) => `${path.slice(0, split.index)}-${String(i + 1).padStart(5, '0')}-of-${split[2]}.gguf`,
  );
  for (const part of paths) await assertReadable(part, 'a part of the split GGUF');
  return { paths, set: true };
}

const SPLIT_GGUF_PART = /-(\d{5})-of-(\d{5})\.gguf$/;

/** What createEngine gets for `--model PATH`: the file, or the files of a folder or split GGUF (never read whole). */
export async function modelInputOf(path: string): Promise<ModelInput | ModelFiles> {
  const { paths, set } = await modelPaths(path);
  if (!set) return openAsBlob(path);
  return Promise.all(paths.map(async (file) => new File([await openAsBlob(file)], basename(file))));
}

async function isFolder(path: string): Promise<boolean> {
  return (await stat(path)).isDirectory();
}
