/**
 * A checkpoint split over several files (a Hugging Face folder: `model-00001-of-00003.safetensors` … or
 * `pytorch_model-00001-of-00002.bin` …), optionally with its index (`*.index.json`) and `config.json`. Each shard is
 * a safetensors file or a torch zip (load.ts tells which), read by random access; their tensors are listed (nothing else is read), checked
 * against the index when there is one — every shard it names present, every tensor in exactly the shard it names —
 * and read as one checkpoint (official-names.ts), shard after shard. The config, when given, must agree with the
 * spec the weights give (hub-config.ts).
 */
import { ModelFormatError } from '../../errors.js';
import { checkpointStream } from '../checkpoint-stream.js';
import type { LoraAdapter } from '../lora-merge.js';
import { openOfficialCheckpoint } from '../official-names.js';
import type { StoredTensor } from '../official-names.js';
import type { RandomAccessSource } from '../random-access.js';
import type { ModelFileFormat, ModelStream } from '../tensor-stream.js';
import { checkHubConfig } from './hub-config.js';
import { parseShardIndex } from './index-file.js';
import type { ShardIndex } from './index-file.js';

/** One weight file of a set: its bytes by random access and its file name (needed to match an index). */
export interface ModelShard {
  name: string | undefined;
  source: RandomAccessSource;
}

/** The files of a model given as a folder: the weight files, and the texts of the index and config.json if any. */
export interface ModelFileSet {
  shards: readonly ModelShard[];
  index?: string;
  config?: string;
}

/** Shards a set may have (an index allows far more than any real model uses). */
export const MAX_SHARDS = 10_000;

/** A shard's container format and how its tensors are listed (chosen by the caller from the first bytes). */
export interface ShardFormat {
  format: ModelFileFormat;
  list(source: RandomAccessSource): Promise<StoredTensor[]>;
}

export function isModelFileSet(source: object): source is ModelFileSet {
  return Array.isArray((source as Partial<ModelFileSet>).shards);
}

function shardLabel(shard: ModelShard, i: number): string {
  return shard.name === undefined ? `shard ${i + 1}` : `'${shard.name}'`;
}

/** Checks that the shards are exactly the files the index names, each holding exactly the tensors it puts there. */
function checkAgainstIndex(index: ShardIndex, shards: readonly ModelShard[], listed: readonly StoredTensor[][]): void {
  const given = new Set<string>();
  shards.forEach((shard, i) => {
    if (shard.name === undefined) {
      throw new ModelFormatError(
        `with a shard index, every shard needs its file name (${shardLabel(shard, i)} has none)`,
      );
    }
    if (!index.files.includes(shard.name)) throw new ModelFormatError(`'${shard.name}' is not a shard of the index`);
    given.add(shard.name);
  });
  const missing = index.files.filter((file) => !given.has(file));
  if (missing.length > 0)
    throw new ModelFormatError(`shard${missing.length > 1 ? 's' : ''} ${missing.join(', ')} missing`);
  let count = 0;
  listed.forEach((tensors, i) => {
    for (const { name } of tensors) {
      const expected = index.weightMap.get(name);
      if (expected !== shards[i].name) {
        throw new ModelFormatError(
          expected === undefined
            ? `tensor '${name}' in '${shards[i].name}' is not in the shard index`
            : `tensor '${name}' is in '${shards[i].name}' but the shard index puts it in '${expected}'`,
        );
      }
      count += 1;
    }
  });
  if (count !== index.weightMap.size) {
    const found = new Set(listed.flat().map((tensor) => tensor.name));
    const absent = [...index.weightMap].find(([name]) => !found.has(name)) as [string, string];
    throw new ModelFormatError(`tensor '${absent[0]}' is missing from '${absent[1]}', where the shard index puts it`);
  }
}

/** Opens a set of shards as one model stream (see the header comment). */
export async function openModelFileSet(
  set: ModelFileSet,
  shardFormat: (source: RandomAccessSource, what: string) => Promise<ShardFormat>,
  runBytes?: number,
  adapters: readonly LoraAdapter[] = [],
): Promise<ModelStream> {
  const { shards } = set;
  if (shards.length === 0 || shards.length > MAX_SHARDS) {
    throw new ModelFormatError(
      `a model given as several files needs 1 to ${MAX_SHARDS} weight files, not ${shards.length}`,
    );
  }
  const names = shards.flatMap((shard) => shard.name ?? []);
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated !== undefined) throw new ModelFormatError(`shard '${repeated}' is given twice`);
  const index = set.index === undefined ? undefined : parseShardIndex(set.index);
  const formats: ModelFileFormat[] = [];
  const listed: StoredTensor[][] = [];
  let base = 0;
  for (const [i, shard] of shards.entries()) {
    const entry = await shardFormat(shard.source, shardLabel(shard, i));
    formats.push(entry.format);
    const offset = base;
    listed.push((await entry.list(shard.source)).map((tensor) => ({ ...tensor, position: offset + tensor.position })));
    base += shard.source.bytes;
  }
  if (index !== undefined) checkAgainstIndex(index, shards, listed);
  const where = new Map<string, number>();
  listed.forEach((tensors, i) => {
    for (const { name } of tensors) {
      const other = where.get(name);
      if (other !== undefined) {
        throw new ModelFormatError(
          `tensor '${name}' is stored in both ${shardLabel(shards[other], other)} and ${shardLabel(shards[i], i)}`,
        );
      }
      where.set(name, i);
    }
  });
  const checkpoint = openOfficialCheckpoint(listed.flat(), adapters);
  if (set.config !== undefined) checkHubConfig(set.config, checkpoint.spec);
  return checkpointStream(checkpoint, formats[0], base, runBytes);
}
