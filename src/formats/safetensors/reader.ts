/**
 * Streaming reader of safetensors model files (official RWKV names, or web-rwkv's `.st` names): the header is read
 * and checked first, the spec inferred from names and shapes, and the tensors then come one at a time in data
 * order, each read from the source only when it is due (see ../official-names.ts for the canonical transforms).
 */
import { openOfficialCheckpoint } from '../official-names.js';
import type { OfficialCheckpoint, StoredTensor } from '../official-names.js';
import type { LoraAdapter } from '../lora-merge.js';
import { readRange } from '../random-access.js';
import type { RandomAccessSource } from '../random-access.js';
import { readSafetensorsHeader } from './header.js';
import type { SafetensorsEntry } from './header.js';

export interface SafetensorsCheckpoint extends OfficialCheckpoint {
  /** The header's `__metadata__` strings. */
  metadata: Readonly<Record<string, string>>;
}

function storedTensors(source: RandomAccessSource, entries: readonly SafetensorsEntry[]): StoredTensor[] {
  return entries.map((entry) => ({
    name: entry.name,
    shape: entry.shape,
    type: entry.type,
    position: entry.offset,
    readBytes: (offset = 0, length = entry.byteLength - offset) =>
      readRange(source, entry.offset + offset, length, `the data of '${entry.name}'`),
  }));
}

/** The tensors a safetensors file stores, under their stored names, each read on demand. */
export async function listSafetensorsTensors(source: RandomAccessSource): Promise<StoredTensor[]> {
  return storedTensors(source, (await readSafetensorsHeader(source)).entries);
}

export async function openSafetensors(
  source: RandomAccessSource,
  adapters: readonly LoraAdapter[] = [],
): Promise<SafetensorsCheckpoint> {
  const { metadata, entries } = await readSafetensorsHeader(source);
  return { ...openOfficialCheckpoint(storedTensors(source, entries), adapters), metadata };
}
