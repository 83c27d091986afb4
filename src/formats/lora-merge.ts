/**
 * LoRA adapters (RWKV-PEFT's slim checkpoints) merged into a checkpoint's stored tensors before they become
 * canonical, so every reader, backend and quantizer downstream sees ordinary weights. An adapter holds, in official
 * names, pairs `<prefix>.lora_A` [r, in] and `<prefix>.lora_B` [out, r] for the matrix `<prefix>.weight` [out, in],
 * and any other tensor it trained (norms, time-mix vectors, emb/head), which replaces the base's (as RWKV-PEFT's
 * merge script and web-rwkv do). alpha is not stored in the file: it is an option, by default r (scale 1). Merged:
 *
 *   W' = W + Σ_adapters weight · (alpha / r) · B · A        (the update in f64, W' rounded once to f32)
 *
 * Replacements are applied first (an adapter may carry a retrained `<prefix>.weight` as well as its pair), then the
 * pairs. Everything is checked from names and shapes before any data is read. A merged matrix streams like the
 * others, in runs of rows: each run reads its base rows and computes the update for them, so the heap holds the
 * current run plus the A and B of the matrix being read (r·(in + out) values per adapter), dropped once its last row
 * is out. The merged rows are f32 (the matrix keeps its stored type as `storedType`, which decides the GPU format).
 */
import { ModelFormatError } from '../errors.js';
import { sameIgnoringOnes } from '../generations/shapes.js';
import { FLOAT_TYPE_BYTES } from './official-names.js';
import type { StoredTensor } from './official-names.js';
import { decodeTensorData } from './tensor-data.js';

export interface LoraAdapter {
  /** The adapter file's tensors under their stored (official) names. */
  tensors: readonly StoredTensor[];
  /** LoRA alpha; default: each pair's rank r (scale alpha / r = 1). */
  alpha?: number;
  /** How much of this adapter's update to add (default 1). */
  weight?: number;
  /** The adapter in messages (its file name, or its position). */
  label: string;
}

interface Pair {
  a: StoredTensor;
  b: StoredTensor;
  scale: number;
}

const LORA_PART = /^(.+)\.lora_([AB])$/;

function checkNumber(value: number | undefined, what: string, label: string): void {
  if (value !== undefined && !Number.isFinite(value)) {
    throw new RangeError(`LoRA adapter ${label}: ${what} must be a finite number, not ${value}`);
  }
}

/** The pairs of one adapter by target matrix name, checked against the base matrices; its other tensors by name. */
function adapterParts(adapter: LoraAdapter, base: ReadonlyMap<string, StoredTensor>) {
  const { label } = adapter;
  checkNumber(adapter.alpha, 'alpha', label);
  checkNumber(adapter.weight, 'weight', label);
  if (adapter.alpha !== undefined && adapter.alpha <= 0) {
    throw new RangeError(`LoRA adapter ${label}: alpha must be positive, not ${adapter.alpha}`);
  }
  const halves = new Map<string, { A?: StoredTensor; B?: StoredTensor }>();
  const replacements = new Map<string, StoredTensor>();
  for (const tensor of adapter.tensors) {
    const match = LORA_PART.exec(tensor.name);
    if (match === null) {
      const target = base.get(tensor.name);
      if (target === undefined) {
        throw new ModelFormatError(`LoRA adapter ${label}: tensor '${tensor.name}' is not in the base model`);
      }
      if (!sameIgnoringOnes(tensor.shape, target.shape)) {
        throw new ModelFormatError(
          `LoRA adapter ${label}: '${tensor.name}' has shape [${tensor.shape}], the base model's [${target.shape}]`,
        );
      }
      replacements.set(tensor.name, tensor);
      continue;
    }
    const pair = halves.get(match[1]) ?? {};
    pair[match[2] as 'A' | 'B'] = tensor;
    halves.set(match[1], pair);
  }
  const pairs = new Map<string, Pair>();
  for (const [prefix, { A: a, B: b }] of halves) {
    if (a === undefined || b === undefined) {
      throw new ModelFormatError(`LoRA adapter ${label}: '${prefix}.lora_${a ? 'B' : 'A'}' is missing`);
    }
    const name = `${prefix}.weight`;
    const target = replacements.get(name) ?? base.get(name);
    if (target === undefined || target.shape.length !== 2) {
      throw new ModelFormatError(`LoRA adapter ${label}: '${prefix}' has no matrix '${name}' in the base model`);
    }
    const [out, inDim] = target.shape;
    const r = a.shape[0];
    if (
      a.shape.length !== 2 ||
      b.shape.length !== 2 ||
      r < 1 ||
      a.shape[1] !== inDim ||
      b.shape[0] !== out ||
      b.shape[1] !== r
    ) {
      throw new ModelFormatError(
        `LoRA adapter ${label}: lora_A [${a.shape}] and lora_B [${b.shape}] do not fit '${name}' [${target.shape}] ` +
          '(expected [r, in] and [out, r])',
      );
    }
    pairs.set(name, { a, b, scale: ((adapter.alpha ?? r) / r) * (adapter.weight ?? 1) });
  }
  return { pairs, replacements };
}

/** A base matrix with its adapters' updates, read as f32 rows computed on demand. */
function mergedMatrix(base: StoredTensor, pairs: readonly Pair[]): StoredTensor {
  const [out, inDim] = base.shape;
  const rowBytes = inDim * 4;
  let factors: Promise<{ a: Float32Array; b: Float32Array; r: number; scale: number }[]> | undefined;
  let rowsRead = 0;
  const load = () =>
    Promise.all(
      pairs.map(async ({ a, b, scale }) => ({
        a: decodeTensorData(a.type, await a.readBytes()),
        b: decodeTensorData(b.type, await b.readBytes()),
        r: a.shape[0],
        scale,
      })),
    );
  return {
    ...base,
    type: 'f32',
    storedType: base.storedType ?? base.type,
    async readBytes(offset = 0, length = out * rowBytes - offset) {
      const firstRow = Math.floor(offset / rowBytes);
      const endRow = Math.ceil((offset + length) / rowBytes);
      const itemBytes = FLOAT_TYPE_BYTES[base.type];
      const rows = decodeTensorData(
        base.type,
        await base.readBytes(firstRow * inDim * itemBytes, (endRow - firstRow) * inDim * itemBytes),
      );
      factors ??= load();
      const loaded = await factors;
      const update = new Float64Array(inDim);
      for (let row = firstRow; row < endRow; row++) {
        update.fill(0);
        for (const { a, b, r, scale } of loaded) {
          for (let k = 0; k < r; k++) {
            const coefficient = scale * b[row * r + k];
            for (let col = 0, at = k * inDim; col < inDim; col++) update[col] += coefficient * a[at + col];
          }
        }
        const at = (row - firstRow) * inDim;
        for (let col = 0; col < inDim; col++) rows[at + col] = rows[at + col] + update[col];
      }
      rowsRead += endRow - firstRow;
      if (rowsRead >= out) factors = undefined;
      const bytes = new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength);
      const skip = offset - firstRow * rowBytes;
      return skip === 0 && bytes.length === length ? bytes : bytes.slice(skip, skip + length);
    },
  };
}

/** The base tensors with every adapter applied (see the header comment); the base alone when there is none. */
export function mergeLoraAdapters(base: readonly StoredTensor[], adapters: readonly LoraAdapter[]): StoredTensor[] {
  if (adapters.length === 0) return [...base];
  const byName = new Map(base.map((tensor) => [tensor.name, tensor]));
  const parts = adapters.map((adapter) => adapterParts(adapter, byName));
  const replacedBy = new Map<string, string>();
  parts.forEach(({ replacements }, i) => {
    for (const name of replacements.keys()) {
      const other = replacedBy.get(name);
      if (other !== undefined) {
        throw new ModelFormatError(`LoRA adapters ${other} and ${adapters[i].label} both replace '${name}'`);
      }
      replacedBy.set(name, adapters[i].label);
    }
  });
  return base.map((tensor) => {
    const replacement = parts.flatMap(({ replacements }) => replacements.get(tensor.name) ?? [])[0];
    const current = replacement === undefined ? tensor : { ...replacement, position: tensor.position };
    const pairs = parts.flatMap(({ pairs: found }) => found.get(tensor.name) ?? []);
    return pairs.length === 0 ? current : mergedMatrix(current, pairs);
  });
}
