/**
 * The index of a sharded Hugging Face checkpoint (`model.safetensors.index.json`, `pytorch_model.bin.index.json`):
 * `{ "metadata": {…}, "weight_map": { "<tensor name>": "<shard file name>", … } }`. Checked as hostile input: valid
 * JSON of that shape, bounded counts, and shard names that are plain file names (never a path, a URL or `..`), since
 * a base URL resolves them.
 */
import { ModelFormatError } from '../../errors.js';

/** Far above any real index (a 70B model lists ~1,000 tensors in ~100 KB). */
export const MAX_INDEX_BYTES = 64 << 20;
const MAX_TENSORS = 1 << 20;
const MAX_SHARDS = 10_000;
/** No separator, scheme, query, fragment or control character: a name a base URL or folder resolves to a child. */
const PLAIN_FILE_NAME = /^[^/\\:?#]+$/;

function isPlainFileName(name: string): boolean {
  return PLAIN_FILE_NAME.test(name) && name !== '.' && name !== '..' && ![...name].some((c) => c.charCodeAt(0) < 0x20);
}

export interface ShardIndex {
  /** Shard file name by tensor name. */
  weightMap: ReadonlyMap<string, string>;
  /** The shard file names, in order of first mention. */
  files: readonly string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseShardIndex(text: string): ShardIndex {
  if (text.length > MAX_INDEX_BYTES) {
    throw new ModelFormatError(`the shard index is ${text.length} bytes, far beyond any real index`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ModelFormatError(`the shard index is not valid JSON: ${(error as Error).message}`);
  }
  if (!isRecord(json) || !isRecord(json.weight_map)) {
    throw new ModelFormatError('the shard index has no "weight_map" object (tensor name → shard file)');
  }
  const entries = Object.entries(json.weight_map);
  if (entries.length === 0 || entries.length > MAX_TENSORS) {
    throw new ModelFormatError(`the shard index lists ${entries.length} tensors`);
  }
  const weightMap = new Map<string, string>();
  const files = new Set<string>();
  for (const [name, file] of entries) {
    if (typeof file !== 'string' || !isPlainFileName(file)) {
      throw new ModelFormatError(
        `the shard index puts '${name}' in ${JSON.stringify(file)}, which is not a plain file name`,
      );
    }
    weightMap.set(name, file);
    files.add(file);
    if (files.size > MAX_SHARDS) throw new ModelFormatError(`the shard index names more than ${MAX_SHARDS} files`);
  }
  return { weightMap, files: [...files] };
}
