/**
 * From GGUF tensor names to canonical ones (docs/canonical-model.md). The names every RWKV architecture shares are
 * here (token_embd → emb.weight, token_embd_norm → blocks.0.ln0, attn_norm / attn_norm_2 → ln1 / ln2,
 * output_norm → ln_out, output → head); each generation module's `gguf` storage names the rest of its block tensors
 * and says which are fused, flattened per head, rescaled or dummies (src/generations/v6/gguf.ts, v7/gguf.ts).
 * `planTensors` maps every tensor of the file before any data is read; the canonical set is then checked whole.
 */
import { ModelFormatError } from '../../errors.js';
import type { GgufBlockTensor, GgufMetadataNumber, GgufStorage } from '../../generations/generation-module.js';
import type { SourceType } from '../../model/spec.js';
import { recordShape } from '../rwkv-cpp/reader.js';
import type { GgufTensorInfo } from './header.js';

const TOP_LEVEL: Readonly<Record<string, string>> = {
  'token_embd.weight': 'emb.weight',
  'token_embd_norm.weight': 'blocks.0.ln0.weight',
  'token_embd_norm.bias': 'blocks.0.ln0.bias',
  'output_norm.weight': 'ln_out.weight',
  'output_norm.bias': 'ln_out.bias',
  'output.weight': 'head.weight',
};

const COMMON_BLOCK: Readonly<Record<string, GgufBlockTensor>> = {
  'attn_norm.weight': { canonical: 'ln1.weight' },
  'attn_norm.bias': { canonical: 'ln1.bias' },
  'attn_norm_2.weight': { canonical: 'ln2.weight' },
  'attn_norm_2.bias': { canonical: 'ln2.bias' },
};

const BLOCK_NAME = /^blk\.(\d+)\.(.+)$/;

/** One canonical tensor cut from a stored one. */
export interface PlannedPart {
  name: string;
  shape: readonly number[];
}

/** What to do with one stored tensor: skip it, or give its values (times `factor`) as one or more parts. */
export interface PlannedTensor {
  info: GgufTensorInfo;
  parts: readonly PlannedPart[];
  /** The factor the values are multiplied by (1: as stored). */
  factor: number;
}

function mapping(name: string, storage: GgufStorage): { entry: GgufBlockTensor; block?: number } | undefined {
  if (Object.hasOwn(TOP_LEVEL, name)) return { entry: { canonical: TOP_LEVEL[name] } };
  const match = BLOCK_NAME.exec(name);
  if (match === null) return undefined;
  const suffix = match[2];
  const entry = Object.hasOwn(COMMON_BLOCK, suffix)
    ? COMMON_BLOCK[suffix]
    : Object.hasOwn(storage.blockTensors, suffix)
      ? storage.blockTensors[suffix]
      : undefined;
  return entry && { entry, block: Number(match[1]) };
}

/**
 * Plans every stored tensor (skipping layer-0 dummies) and returns the plan in data order together with the
 * canonical shapes and source types found, for checkTensorSet.
 */
export function planTensors(
  tensors: readonly GgufTensorInfo[],
  storage: GgufStorage,
  headSize: number,
  metadata: GgufMetadataNumber,
): { plan: PlannedTensor[]; found: Map<string, { shape: readonly number[]; sourceType: SourceType }> } {
  const plan: PlannedTensor[] = [];
  const found = new Map<string, { shape: readonly number[]; sourceType: SourceType }>();
  for (const info of tensors) {
    const mapped = mapping(info.name, storage);
    if (mapped === undefined) {
      throw new ModelFormatError(`unexpected tensor '${info.name}' in a GGUF ${storage.architecture} model`);
    }
    const { entry, block } = mapped;
    if (entry.dummyInLayer0 && block === 0) continue;
    const prefix = block === undefined ? '' : `blocks.${block}.`;
    const names = typeof entry.canonical === 'string' ? [entry.canonical] : entry.canonical;
    let shape = recordShape(info.ne);
    if (names.length > 1) {
      if (shape[0] !== names.length || shape.length < 2) {
        throw new ModelFormatError(
          `GGUF tensor '${info.name}' has shape [${shape}], expected ${names.length} fused parts in its first dim`,
        );
      }
      shape = shape.slice(1);
    }
    if (entry.perHead) {
      const values = shape.reduce((product, dim) => product * dim, 1);
      if (shape.length !== 1 || values % headSize !== 0) {
        throw new ModelFormatError(`GGUF tensor '${info.name}' has shape [${shape}], expected [n_embd]`);
      }
      shape = [values / headSize, headSize];
    }
    const parts = names.map((suffix) => ({ name: prefix + suffix, shape }));
    for (const part of parts) {
      if (found.has(part.name)) throw new ModelFormatError(`GGUF: two tensors give '${part.name}'`);
      found.set(part.name, { shape: part.shape, sourceType: info.type });
    }
    const divisor = block === undefined ? 1 : (entry.divisor?.(block, metadata) ?? 1);
    plan.push({ info, parts, factor: divisor });
  }
  return { plan, found };
}
