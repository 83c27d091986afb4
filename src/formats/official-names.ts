/**
 * From a checkpoint in official names (BlinkDL's `.pth`, or safetensors holding the same tensors) or in web-rwkv's
 * `.st` names to canonical tensors (docs/canonical-model.md). The container readers (pth/, safetensors/) only list
 * the stored tensors; this module renames them, infers the spec with the generation modules' tensor lists
 * (src/generations/) before any tensor data is read, and then streams canonical tensors one at a time, applying the
 * transforms rwkv.cpp's converter applies (each module's `official` storage says which are its own):
 *
 *   v4    time_decay = −exp(w)
 *   v5.1  time_decay = exp(−exp(w)), time_first = exp(u)            (both [H])
 *   v5.2  time_decay = exp(−exp(w)), time_faaaa = u                 ([H, S]; a per-head [H] is repeated over S)
 *   v6    time_maa_w1, time_decay_w1, time_decay_w2 transposed; time_maa_w2 [5, D, C] → [5, C, D]
 *   v7    x_r, x_w, x_k, x_v, x_a, x_g stacked into x_rwkvag [6, C]; w1, w2, a1, a2, g1, g2, v1, v2 transposed
 *
 * and squeezing size-1 dims. Tensors that official files carry but inference never reads (a module's `unused`) are
 * skipped unread; any other tensor outside the spec is refused. A tensor stored whole and needing no transform
 * (every large matrix) streams in runs of rows read on demand; the others are small and come whole, transformed, as
 * one f32 run.
 *
 * web-rwkv's converter renames time_faaaa → time_first and time_maa → time_mix, and
 * stores the v6/v7 LoRA matrices already transposed; its other values are raw, as in the official files.
 *
 * Hugging Face conversions (transformers' RWKV-4 and the hub's RWKV-5/6: `rwkv.blocks.N.attention.*`; fla's RWKV-7:
 * `model.layers.N.attn.*`) are first renamed to official names by the generation modules' `hub` namings, then read
 * with the modules' `hugging-face` transforms (raw values as official files; fla's LoRA matrices canonical).
 */
import { ModelFormatError } from '../errors.js';
import type { CheckpointNaming, ValueTransform } from '../generations/generation-module.js';
import { generationModule, MODULES_NEWEST_FIRST } from '../generations/registry.js';
import { sameIgnoringOnes, squeeze } from '../generations/shapes.js';
import { detectGeneration, expectedTensorShapes, inferSpec } from '../generations/tensor-set.js';
import { transposeLastTwo } from '../generations/value-transforms.js';
import { elementCount } from '../model/spec.js';
import type { ModelSpec, SourceType } from '../model/spec.js';
import { joinArrays } from './join-arrays.js';
import { mergeLoraAdapters } from './lora-merge.js';
import type { LoraAdapter } from './lora-merge.js';
import { decodeTensorData } from './tensor-data.js';
import { RunCursor, planRuns, rowCountOf } from './tensor-stream.js';
import type { StreamedTensor } from './tensor-stream.js';

/** The value types official checkpoints use. */
export type FloatType = Extract<SourceType, 'f32' | 'f16' | 'bf16'>;

export const FLOAT_TYPE_BYTES: Readonly<Record<FloatType, number>> = { f32: 4, f16: 2, bf16: 2 };

/** A tensor as a checkpoint stores it: its stored name and shape, its type and how to fetch its bytes. */
export interface StoredTensor {
  name: string;
  shape: readonly number[];
  type: FloatType;
  /**
   * The type the file stores, when `readBytes` returns another (`type`): a matrix merged with LoRA adapters is read
   * as f32 (lora-merge.ts). Absent when they are the same.
   */
  storedType?: FloatType;
  /** Where its bytes start in the file: tensors are read in this order, so that reads move forward. */
  position: number;
  /**
   * `length` of its row-major little-endian bytes (elementCount(shape) × FLOAT_TYPE_BYTES[type] in all) from
   * `offset`; all of them by default.
   */
  readBytes(offset?: number, length?: number): Promise<Uint8Array>;
}

/** A canonical tensor streamed from a checkpoint, and where its bytes end in the file (for progress). */
export interface CheckpointTensor {
  tensor: StreamedTensor;
  end: number;
}

export type { CheckpointNaming } from '../generations/generation-module.js';

export interface OfficialCheckpoint {
  spec: ModelSpec;
  naming: CheckpointNaming;
  /** Canonical tensors in file order, every tensor of the spec exactly once, values in runs of rows of at most
   * `runBytes` bytes. */
  streamedTensors(runBytes: number): Generator<CheckpointTensor, void, undefined>;
}

const BLOCK_TENSOR = /^(blocks\.\d+\.)((?:att|ffn)\..+)$/;

/** Canonical block suffix → its stored parts' suffixes (v7's x_rwkvag from x_r … x_g), over every generation. */
const STACKS = new Map(MODULES_NEWEST_FIRST.flatMap((module) => module.official.stacks).map((s) => [s.name, s.parts]));
/** Stored part suffix → [canonical suffix, row]. */
const STACK_PARTS = new Map(
  [...STACKS].flatMap(([name, parts]) => parts.map((part, row) => [part, [name, row] as const] as const)),
);

interface Renamed {
  /** Stored parts by canonical name (a stack's parts in row order). */
  outputs: Map<string, StoredTensor[]>;
  /** Whether a generation's web-rwkv renames were undone. */
  webRwkvNames: boolean;
}

/** Maps stored names to canonical ones; a stack's parts map to one name. */
function renameAll(stored: readonly StoredTensor[]): Renamed {
  const block0 = new Set<string>();
  for (const { name } of stored) if (name.startsWith('blocks.0.')) block0.add(name.slice('blocks.0.'.length));
  const rename = MODULES_NEWEST_FIRST.map((module) => module.official.webRwkvRenames(block0)).find(Boolean);
  const outputs = new Map<string, StoredTensor[]>();
  for (const tensor of stored) {
    let name = tensor.name;
    let slot = 0;
    const match = BLOCK_TENSOR.exec(name);
    if (match !== null) {
      const [, block, storedSuffix] = match;
      const suffix = rename ? rename(storedSuffix) : storedSuffix;
      const stacked = STACK_PARTS.get(suffix);
      slot = stacked?.[1] ?? 0;
      name = `${block}${stacked?.[0] ?? suffix}`;
    }
    const parts = outputs.get(name) ?? [];
    const taken = parts[slot];
    if (taken !== undefined) {
      throw new ModelFormatError(`tensors '${taken.name}' and '${tensor.name}' both give '${name}'`);
    }
    parts[slot] = tensor;
    outputs.set(name, parts);
  }
  for (const [name, parts] of outputs) {
    const match = BLOCK_TENSOR.exec(name);
    const partSuffixes = match === null ? undefined : STACKS.get(match[2]);
    if (match === null || partSuffixes === undefined) continue;
    const missing = partSuffixes.filter((_, i) => parts[i] === undefined).map((part) => match[1] + part);
    if (missing.length > 0) {
      throw new ModelFormatError(`missing tensor${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
    }
    if (parts.some((part) => !sameIgnoringOnes(part.shape, parts[0].shape))) {
      throw new ModelFormatError(`the ${partSuffixes.length} stacked parts of '${name}' differ in shape`);
    }
  }
  return { outputs, webRwkvNames: rename !== undefined };
}

function suffixOf(name: string): string {
  return name.replace(/^blocks\.\d+\./, '');
}

/** The shape a stored tensor has once transposed as canonical (size-1 dims kept: inference ignores them). */
function orientedShape(tensor: StoredTensor, transform: ValueTransform | undefined): readonly number[] {
  if (transform !== transposeLastTwo || tensor.shape.length < 2) return tensor.shape;
  const shape = [...tensor.shape];
  [shape[shape.length - 2], shape[shape.length - 1]] = [shape[shape.length - 1], shape[shape.length - 2]];
  return shape;
}

interface PlannedTensor {
  name: string;
  shape: readonly number[];
  parts: readonly StoredTensor[];
  transform: ValueTransform | undefined;
}

/**
 * A Hugging Face conversion's tensors under their official names (the generation modules' `hub` namings), or
 * undefined when the names are not a hub layout's.
 */
function fromHubNames(stored: readonly StoredTensor[]): StoredTensor[] | undefined {
  const names = stored.map((tensor) => tensor.name);
  const hub = MODULES_NEWEST_FIRST.map((module) => module.official.hub).find((naming) => naming.recognizes(names));
  return hub && stored.map((tensor) => ({ ...tensor, name: hub.officialName(tensor.name) }));
}

/**
 * Detects the generation and naming from the stored names and shapes, and prepares canonical streaming; LoRA
 * adapters, when given, are merged into the (official-named) tensors first (lora-merge.ts).
 */
export function openOfficialCheckpoint(
  stored: readonly StoredTensor[],
  adapters: readonly LoraAdapter[] = [],
): OfficialCheckpoint {
  const hubTensors = fromHubNames(stored);
  const { outputs, webRwkvNames } = renameAll(mergeLoraAdapters(hubTensors ?? stored, adapters));
  const emb = outputs.get('emb.weight')?.[0];
  if (emb === undefined || emb.shape.length !== 2) {
    throw new ModelFormatError("missing tensor 'emb.weight' (a [n_vocab, n_embed] matrix)");
  }
  const nEmbed = emb.shape[1];
  const module = generationModule(detectGeneration(outputs.keys()));
  const storage = module.official;
  for (const name of storage.unused) outputs.delete(name);
  const storedShapes = new Map([...outputs].map(([name, parts]) => [name, parts[0].shape]));
  const naming: CheckpointNaming = hubTensors
    ? 'hugging-face'
    : (storage.namingFromShapes?.(storedShapes, nEmbed) ?? (webRwkvNames ? 'web-rwkv' : 'official'));
  const found = new Map<string, { shape: readonly number[]; sourceType: SourceType }>();
  const transforms = new Map<string, ValueTransform | undefined>();
  for (const [name, parts] of outputs) {
    const suffix = suffixOf(name);
    const transform = Object.hasOwn(storage.transforms[naming], suffix)
      ? storage.transforms[naming][suffix]
      : undefined;
    transforms.set(name, transform);
    const oriented = orientedShape(parts[0], transform);
    const shape = STACKS.has(suffix)
      ? [parts.length, ...squeeze(parts[0].shape)]
      : (storage.inferenceShape?.(suffix, squeeze(oriented), nEmbed) ?? oriented);
    found.set(name, { shape, sourceType: parts[0].storedType ?? parts[0].type });
  }
  const spec = inferSpec(found);
  const expected = expectedTensorShapes(spec);
  const plan: PlannedTensor[] = [];
  for (const [name, shape] of expected) {
    const parts = outputs.get(name);
    const stored = found.get(name)?.shape;
    const foundShape = stored && (storage.storedAs?.(suffixOf(name), stored, spec) ?? stored);
    if (parts === undefined || foundShape === undefined) {
      throw new ModelFormatError(`missing tensor '${name}' for a v${spec.generation} model`);
    }
    if (!sameIgnoringOnes(foundShape, shape) || elementCount(foundShape) !== elementCount(shape)) {
      throw new ModelFormatError(
        `tensor '${parts[0].name}' has shape [${parts[0].shape}], which does not give '${name}' [${shape}] ` +
          `in a v${spec.generation} model with n_embed ${spec.nEmbed}`,
      );
    }
    plan.push({ name, shape, parts, transform: transforms.get(name) });
  }
  for (const [name, parts] of outputs) {
    if (!expected.has(name)) {
      throw new ModelFormatError(`unexpected tensor '${parts[0].name}' in a v${spec.generation} model`);
    }
  }
  plan.sort((a, b) => a.parts[0].position - b.parts[0].position);
  function* streamedTensors(runBytes: number): Generator<CheckpointTensor, void, undefined> {
    for (const planned of plan) yield streamedTensor(planned, runBytes);
  }
  return {
    spec,
    naming,
    streamedTensors,
  };
}

function streamedTensor({ name, shape, parts, transform }: PlannedTensor, runBytes: number): CheckpointTensor {
  const first = parts[0];
  const sourceType = first.storedType ?? first.type;
  const end = Math.max(
    ...parts.map((part) => part.position + elementCount(part.shape) * FLOAT_TYPE_BYTES[part.storedType ?? part.type]),
  );
  if (parts.length === 1 && transform === undefined) {
    const rowBytes = shape[shape.length - 1] * FLOAT_TYPE_BYTES[first.type];
    const cursor = new RunCursor(
      name,
      planRuns(rowCountOf(shape), rowBytes, runBytes),
      (span) => first.readBytes(span.firstRow * rowBytes, span.rowCount * rowBytes),
      async () => undefined,
    );
    return { tensor: { name, shape, sourceType, dataType: first.type, runs: () => cursor.runs() }, end };
  }
  const whole = async (): Promise<Uint8Array> => {
    const values: Float32Array[] = [];
    for (const part of parts) values.push(decodeTensorData(part.type, await part.readBytes()));
    const joined = values.length === 1 ? values[0] : joinArrays(values, Float32Array);
    const data = transform === undefined ? joined : transform(joined, first.shape, shape);
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  };
  const cursor = new RunCursor(name, [{ firstRow: 0, rowCount: rowCountOf(shape) }], whole, async () => undefined);
  return { tensor: { name, shape, sourceType, dataType: 'f32', runs: () => cursor.runs() }, end };
}
