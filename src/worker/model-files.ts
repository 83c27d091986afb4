/**
 * A model given as several files (ModelFiles: a Hugging Face folder, e.g. every file of a picked directory) → a
 * ModelFileSet for the format readers. Named entries are told by name and content (kindOf): `*.index.json` is the
 * index, `config.json` the config (both read as text), files in a model format (for URLs: by extension) are weight
 * files, anything else (README, tokenizer files) is ignored; unnamed bytes by their first bytes (a leading `{` that
 * no weight format has is JSON: the index when it has a `weight_map`, else the config). Hub folders often hold two
 * copies of the weights: with an index, only the weight files it names are read; without one, the safetensors files
 * when there are any. Each weight file is opened like a single model file (openModelSource: through the model
 * store where it works, so each shard is downloaded once, resumably). When
 * the only entries are an index URL (and a config), the shards are the files it names, fetched from beside it. Every
 * shard must be readable by random access (stored, a Blob, bytes, or a URL whose server answers Range requests), as
 * a single safetensors or `.pth` must. `open` may replace openModelSource (the CLI's runner reads in place).
 */
import { ModelFormatError } from '../errors.js';
import { SNIFF_BYTES, sniffModelFormat } from '../formats/load.js';
import { randomAccessOf } from '../formats/random-access.js';
import type { RandomAccessSource } from '../formats/random-access.js';
import { parseShardIndex } from '../formats/sharded/index-file.js';
import type { ModelFileSet, ModelShard } from '../formats/sharded/reader.js';
import type { LoadProgress, LoadWarning } from '../progress.js';
import type { ResolvedInput } from '../protocol/types.js';
import { openModelSource, readText } from './model-source.js';
import type { ModelSource, ModelSourceOpener } from './model-source.js';

/** The file name of a URL (its last path segment) or a File; undefined for bytes and nameless Blobs. */
export function fileNameOf(input: ResolvedInput): string | undefined {
  if (typeof input === 'string') {
    const path = input.split(/[?#]/)[0];
    return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1)) || undefined;
  }
  return typeof File !== 'undefined' && input instanceof File ? input.name : undefined;
}

/** Extensions a weight file given by URL may have (a URL is not read to tell). */
const WEIGHT_EXTENSIONS = /\.(safetensors|bin|pth|pt|gguf|st)$/i;

type FileKind = 'weights' | 'index' | 'config' | 'json' | 'other';

async function headOf(input: Exclude<ResolvedInput, string>): Promise<Uint8Array> {
  if (input instanceof Blob) return new Uint8Array(await input.slice(0, SNIFF_BYTES).arrayBuffer());
  return input instanceof Uint8Array
    ? input.subarray(0, SNIFF_BYTES)
    : new Uint8Array(input, 0, Math.min(SNIFF_BYTES, input.byteLength));
}

/**
 * What a file of the list is: by name where it has one (`*.index.json`, `config.json`; other JSON files, such as a
 * tokenizer's, and files that are no model format, such as a README, are ignored), else by its first bytes
 * (`json`: an index or a config, told by its content).
 */
async function kindOf(input: ResolvedInput, name: string | undefined): Promise<FileKind> {
  const lower = name?.toLowerCase();
  if (lower?.endsWith('.index.json')) return 'index';
  if (lower === 'config.json') return 'config';
  if (lower?.endsWith('.json')) return 'other';
  if (typeof input === 'string') return WEIGHT_EXTENSIONS.test(lower ?? '') ? 'weights' : 'other';
  const head = await headOf(input);
  if (sniffModelFormat(head) !== undefined) return 'weights';
  if (name !== undefined) return 'other';
  return head[0] === 0x7b ? 'json' : 'weights';
}

function isIndex(text: string): boolean {
  try {
    const json: unknown = JSON.parse(text);
    return typeof json === 'object' && json !== null && Object.hasOwn(json, 'weight_map');
  } catch {
    throw new ModelFormatError('a JSON file among the model files is not valid JSON');
  }
}

/** The weight files to read when a folder holds several copies (see the header comment); unnamed ones always. */
function chosenWeights(weights: readonly ResolvedInput[], index: string | undefined): ResolvedInput[] {
  const named = (input: ResolvedInput, keep: (name: string) => boolean) => {
    const name = fileNameOf(input);
    return name === undefined || keep(name);
  };
  if (index !== undefined) {
    const files = new Set(parseShardIndex(index).files);
    return weights.filter((input) => named(input, (name) => files.has(name)));
  }
  const safetensors = (name: string) => name.toLowerCase().endsWith('.safetensors');
  const hasSafetensors = weights.some((input) => !named(input, (name) => !safetensors(name)));
  return hasSafetensors ? weights.filter((input) => named(input, safetensors)) : [...weights];
}

function randomAccess(source: ModelSource, name: string | undefined): RandomAccessSource {
  const access = randomAccessOf(source.source as object);
  if (access === undefined) {
    throw new ModelFormatError(
      `the model file ${name ?? ''} must be read by random access: give it as a File, a Blob or bytes, or as a URL ` +
        'whose server answers Range requests',
    );
  }
  return access;
}

/** Opens every file of a model given as several (see the header comment). */
export async function openModelFiles(
  inputs: readonly ResolvedInput[],
  onProgress?: (event: LoadProgress | LoadWarning) => void,
  signal?: AbortSignal,
  open: ModelSourceOpener = openModelSource,
): Promise<ModelSource> {
  let index: { text: string; input: ResolvedInput } | undefined;
  let config: string | undefined;
  const weights: ResolvedInput[] = [];
  for (const input of inputs) {
    const name = fileNameOf(input);
    const kind = await kindOf(input, name);
    if (kind === 'weights') weights.push(input);
    if (kind !== 'index' && kind !== 'config' && kind !== 'json') continue;
    const text = await readText(input, signal);
    if (kind === 'config' || (kind === 'json' && !isIndex(text))) config = text;
    else if (index !== undefined) throw new ModelFormatError('the model files hold two shard indexes');
    else index = { text, input };
  }
  const chosen = chosenWeights(weights, index?.text);
  weights.splice(0, weights.length, ...chosen);
  if (weights.length === 0 && index !== undefined && typeof index.input === 'string') {
    const base = index.input;
    weights.push(...parseShardIndex(index.text).files.map((file) => new URL(encodeURIComponent(file), base).href));
  }
  const opened: ModelSource[] = [];
  for (const input of weights) opened.push(await open(input, onProgress, signal));
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
