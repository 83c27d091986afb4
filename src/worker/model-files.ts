/**
 * A model given as several files (ModelFiles: a Hugging Face folder) → a ModelFileSet for the format readers. JSON
 * entries (by their `.json` name, or for unnamed bytes by a leading `{` that no weight format has) are the index
 * (it has a `weight_map`) or config.json, read as text; the others are weight files, each opened like a single model
 * file (openModelSource: through the model store where it works, so each shard is downloaded once, resumably). When
 * the only entries are an index URL (and a config), the shards are the files it names, fetched from beside it. Every
 * shard must be readable by random access (stored, a Blob, or bytes), as a single safetensors or `.pth` must.
 */
import { ModelFormatError } from '../errors.js';
import { sniffModelFormat } from '../formats/load.js';
import { randomAccessOf } from '../formats/random-access.js';
import type { RandomAccessSource } from '../formats/random-access.js';
import { parseShardIndex } from '../formats/sharded/index-file.js';
import type { ModelFileSet, ModelShard } from '../formats/sharded/reader.js';
import type { LoadProgress, LoadWarning } from '../progress.js';
import type { ResolvedInput } from '../protocol/types.js';
import { openModelSource, readText } from './model-source.js';
import type { ModelSource } from './model-source.js';

/** The file name of a URL (its last path segment) or a File; undefined for bytes and nameless Blobs. */
export function fileNameOf(input: ResolvedInput): string | undefined {
  if (typeof input === 'string') {
    const path = input.split(/[?#]/)[0];
    return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1)) || undefined;
  }
  return typeof File !== 'undefined' && input instanceof File ? input.name : undefined;
}

async function isJsonFile(input: ResolvedInput, name: string | undefined): Promise<boolean> {
  if (name !== undefined) return name.toLowerCase().endsWith('.json');
  if (typeof input === 'string') return false;
  const head =
    input instanceof Blob
      ? new Uint8Array(await input.slice(0, 16).arrayBuffer())
      : input instanceof Uint8Array
        ? input.subarray(0, 16)
        : new Uint8Array(input, 0, Math.min(16, input.byteLength));
  return head[0] === 0x7b && sniffModelFormat(head) === undefined;
}

function isIndex(text: string, name: string | undefined): boolean {
  if (name !== undefined) return name.toLowerCase().endsWith('.index.json');
  try {
    const json: unknown = JSON.parse(text);
    return typeof json === 'object' && json !== null && Object.hasOwn(json, 'weight_map');
  } catch {
    throw new ModelFormatError('a JSON file among the model files is not valid JSON');
  }
}

function randomAccess(source: ModelSource, name: string | undefined): RandomAccessSource {
  const access = randomAccessOf(source.source as object);
  if (access === undefined) {
    throw new ModelFormatError(
      `the model file ${name ?? ''} must be read by random access: give it as a File, a Blob or bytes, or load it ` +
        'where the model store works (a browser)',
    );
  }
  return access;
}

/** Opens every file of a model given as several (see the header comment). */
export async function openModelFiles(
  inputs: readonly ResolvedInput[],
  onProgress?: (event: LoadProgress | LoadWarning) => void,
  signal?: AbortSignal,
): Promise<ModelSource> {
  let index: { text: string; input: ResolvedInput } | undefined;
  let config: string | undefined;
  const weights: ResolvedInput[] = [];
  for (const input of inputs) {
    const name = fileNameOf(input);
    if (!(await isJsonFile(input, name))) {
      weights.push(input);
      continue;
    }
    const text = await readText(input, signal);
    if (!isIndex(text, name)) config = text;
    else if (index !== undefined) throw new ModelFormatError('the model files hold two shard indexes');
    else index = { text, input };
  }
  if (weights.length === 0 && index !== undefined && typeof index.input === 'string') {
    const base = index.input;
    weights.push(...parseShardIndex(index.text).files.map((file) => new URL(encodeURIComponent(file), base).href));
  }
  const opened: ModelSource[] = [];
  for (const input of weights) opened.push(await openModelSource(input, onProgress, signal));
  const names = weights.map(fileNameOf);
  const fileSet = (sources: readonly RandomAccessSource[]): ModelFileSet => ({
    shards: sources.map((source, i): ModelShard => ({ name: names[i], source })),
    index: index?.text,
    config,
  });
  return {
    source: fileSet(opened.map((file, i) => randomAccess(file, names[i]))),
    bytes: opened.reduce((sum, file) => sum + (file.bytes ?? 0), 0),
    async annotate(details) {
      for (const file of opened) await file.annotate(details);
    },
    async reopen() {
      const sources: RandomAccessSource[] = [];
      for (const [i, file] of opened.entries()) {
        sources.push(randomAccess({ ...file, source: await file.reopen() }, names[i]));
      }
      return fileSet(sources);
    },
  };
}
