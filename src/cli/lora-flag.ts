/**
 * The CLI's `--lora SPEC`: LoRA adapters merged into the model at load (createEngine's `lora`), as
 * `FILE[:alpha=N][:weight=W]`, several separated by commas, e.g. `--lora style.pth:alpha=32,tone.pth:weight=0.5`.
 * Each file is read from disk by random access (a file-backed Blob), never whole.
 */
import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import type { ResolvedLora } from '../protocol/types.js';
import { UsageError, finiteNumber } from './args.js';
import { assertReadable } from './model-file.js';

/** One adapter of `--lora`: its path on disk, alpha and weight. */
export interface LoraFlagEntry {
  path: string;
  alpha?: number;
  weight?: number;
}

/** Parses `--lora` and checks that each file can be read. */
export async function parseLoraFlag(spec: string | undefined): Promise<LoraFlagEntry[]> {
  if (spec === undefined) return [];
  const adapters: LoraFlagEntry[] = [];
  for (const entry of spec.split(',')) {
    const [path, ...settings] = entry.split(':');
    if (path === '') throw new UsageError(`--lora '${spec}' names an empty file`);
    const adapter: LoraFlagEntry = { path };
    for (const setting of settings) {
      const match = /^(alpha|weight)=(.+)$/.exec(setting);
      if (match === null) throw new UsageError(`--lora: '${setting}' is not alpha=N or weight=W`);
      adapter[match[1] as 'alpha' | 'weight'] = finiteNumber('lora', match[2]);
    }
    await assertReadable(path, 'LoRA adapter');
    adapters.push(adapter);
  }
  return adapters;
}

/** `--lora`'s adapters as createEngine's, each a file-backed File. */
export async function loraOptions(entries: readonly LoraFlagEntry[]): Promise<ResolvedLora[]> {
  const adapters: ResolvedLora[] = [];
  for (const { path, ...settings } of entries) {
    adapters.push({ adapter: new File([await openAsBlob(path)], basename(path)), ...settings });
  }
  return adapters;
}
