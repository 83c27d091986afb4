/**
 * From a checkpoint in official names (BlinkDL's `.pth`, or safetensors holding the same tensors) or in web-rwkv's
 * `.st` names to canonical tensors (docs/canonical-model.md). The container readers (pth/, safetensors/) only list
 * the stored tensors; this module renames them, infers the spec with src/model's layouts before any tensor data is
 * read, and then streams canonical tensors one at a time, applying the transforms rwkv.cpp's converter applies:
 *
 *   v4    time_decay = −exp(w)
 *   v5.1  time_decay = exp(−exp(w)), time_first = exp(u)            (both [H])
 *   v5.2  time_decay = exp(−exp(w)), time_faaaa = u                 ([H, S]; a per-head [H] is repeated over S)
 *   v6    time_maa_w1, time_decay_w1, time_decay_w2 transposed; time_maa_w2 [5, D, C] → [5, C, D]
 *   v7    x_r, x_w, x_k, x_v, x_a, x_g stacked into x_rwkvag [6, C]; w1, w2, a1, a2, g1, g2, v1, v2 transposed
 *
 * and squeezing size-1 dims. Tensors that official files carry but inference never reads (unused-tensors.ts) are
 * skipped unread; any other tensor outside the spec is refused. A tensor stored whole and needing no transform
 * (every large matrix) streams in runs of rows read on demand; the others are small and come whole, transformed, as
 * one f32 run.
 *
 * web-rwkv's converter renames time_faaaa → time_first and time_maa → time_mix, and
 * stores the v6/v7 LoRA matrices already transposed; its other values are raw, as in the official files.
 */
import { ModelFormatError } from '../errors.js';
import { assembleCanonicalModel, detectGeneration, expectedTensorShapes, inferSpec } from '../model/tensor-layout.js';
import { elementCount } from '../model/spec.js';
import type { CanonicalModel, Generation, ModelSpec, SourceType, Tensor } from '../model/spec.js';
import { decodeTensorData } from './tensor-data.js';
import { isUnusedOfficialTensor } from './unused-tensors.js';
import { RunCursor, planRuns, rowCountOf, tensorValues } from './tensor-stream.js';
import type { StreamedTensor } from './tensor-stream.js';

/** The value types official checkpoints use. */
export type FloatType = Extract<SourceType, 'f32' | 'f16' | 'bf16'>;

export const FLOAT_TYPE_BYTES: Readonly<Record<FloatType, number>> = { f32: 4, f16: 2, bf16: 2 };

/** A tensor as a checkpoint stores it: its stored name and shape, its type and how to fetch its bytes. */
export interface StoredTensor {
  name: string;
  shape: readonly number[];
  type: FloatType;
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

/** Whose names and matrix orientation the checkpoint uses. */
export type CheckpointNaming = 'official' | 'web-rwkv';

export interface OfficialCheckpoint {
  spec: ModelSpec;
  naming: CheckpointNaming;
  /** Canonical tensors, one at a time, in file order; every tensor of the spec exactly once. */
  tensors(): AsyncGenerator<Tensor, void, undefined>;
  /** The same tensors, their values in runs of rows of at most `runBytes` bytes. */
  streamedTensors(runBytes: number): Generator<CheckpointTensor, void, undefined>;
}

/** v7's token-shift mixes in x_rwkvag's row order. */
const V7_MIXES = ['x_r', 'x_w', 'x_k', 'x_v', 'x_a', 'x_g'];
const V7_LORA = ['w1', 'w2', 'a1', 'a2', 'g1', 'g2', 'v1', 'v2'];
const V6_LORA = ['time_maa_w1', 'time_maa_w2', 'time_decay_w1', 'time_decay_w2'];

const BLOCK_TENSOR = /^(blocks\.\d+\.)(att|ffn)\.(.+)$/;

type Transform = (data: Float32Array, storedShape: readonly number[], shape: readonly number[]) => Float32Array;

const negExp: Transform = (data) => data.map((w) => -Math.exp(w));
const expNegExp: Transform = (data) => data.map((w) => Math.exp(-Math.exp(w)));
const exp: Transform = (data) => data.map((u) => Math.exp(u));

/** Swaps the last two dims of the stored shape (a matrix, or a batch of matrices). */
const transposeLastTwo: Transform = (data, storedShape) => {
  const cols = storedShape[storedShape.length - 1];
  const rows = storedShape[storedShape.length - 2];
  const out = new Float32Array(data.length);
  for (let base = 0; base < data.length; base += rows * cols) {
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) out[base + c * rows + r] = data[base + r * cols + c];
    }
  }
  return out;
};

/** A per-head value [H] repeated over each head's channels to [H, S] (ChatRWKV's 5.1 files). */
const repeatPerHead: Transform = (data, _storedShape, shape) => {
  if (data.length === elementCount(shape)) return data;
  const headSize = shape[1];
  const out = new Float32Array(data.length * headSize);
  data.forEach((value, head) => out.fill(value, head * headSize, (head + 1) * headSize));
  return out;
};

function compose(...transforms: Transform[]): Transform {
  return (data, storedShape, shape) => transforms.reduce((value, step) => step(value, storedShape, shape), data);
}

interface Renamed {
  /** Stored parts by canonical name (x_rwkvag's six in row order). */
  outputs: Map<string, StoredTensor[]>;
  /** Whether web-rwkv's renames (time_mix → time_maa for v6, time_first → time_faaaa) were undone. */
  webRwkvNames: boolean;
}

/** Maps stored names to canonical ones; v7's six mixes map to one name. */
function renameAll(stored: readonly StoredTensor[]): Renamed {
  const names = new Set(stored.map((tensor) => tensor.name));
  const webRwkvV6 = names.has('blocks.0.att.time_mix_x');
  const webRwkvV5 =
    names.has('blocks.0.att.gate.weight') &&
    names.has('blocks.0.att.time_first') &&
    !names.has('blocks.0.att.time_faaaa');
  const outputs = new Map<string, StoredTensor[]>();
  for (const tensor of stored) {
    let name = tensor.name;
    let slot = 0;
    const match = BLOCK_TENSOR.exec(name);
    if (match !== null) {
      const [, block, part, storedSuffix] = match;
      let suffix = storedSuffix;
      if (webRwkvV6) suffix = suffix.replace(/^time_mix_/, 'time_maa_');
      if ((webRwkvV6 || webRwkvV5) && suffix === 'time_first') suffix = 'time_faaaa';
      const mix = part === 'att' ? V7_MIXES.indexOf(suffix) : -1;
      slot = Math.max(mix, 0);
      name = mix >= 0 ? `${block}att.x_rwkvag` : `${block}${part}.${suffix}`;
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
    if (!name.endsWith('.x_rwkvag')) continue;
    const missing = V7_MIXES.filter((_, i) => parts[i] === undefined).map((mix) => name.replace('x_rwkvag', mix));
    if (missing.length > 0) {
      throw new ModelFormatError(`missing tensor${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
    }
    if (parts.some((part) => !sameIgnoringOnes(part.shape, parts[0].shape))) {
      throw new ModelFormatError(`the six token-shift mixes of '${name}' differ in shape`);
    }
  }
  return { outputs, webRwkvNames: webRwkvV6 || webRwkvV5 };
}

function suffixOf(name: string): string {
  return name.replace(/^blocks\.\d+\./, '');
}

const squeeze = (shape: readonly number[]): number[] => shape.filter((dim) => dim !== 1);

/**
 * web-rwkv's v7 files hold the LoRA matrices already as canonical [out, in] (down [D, C], up [C, D]), official
 * ones transposed. The orientation shows wherever a width D differs from C; when every width equals C the file is
 * taken as official.
 */
function v7Naming(outputs: ReadonlyMap<string, StoredTensor[]>, nEmbed: number): CheckpointNaming {
  const found = new Set<CheckpointNaming>();
  for (const [name, [tensor]] of outputs) {
    const lora = /\.att\.[wagv]([12])$/.exec(name);
    if (lora === null || tensor.shape.length !== 2) continue;
    const [rows, cols] = tensor.shape;
    const [out, inner] = lora[1] === '1' ? [rows, cols] : [cols, rows];
    if (inner === nEmbed && out !== nEmbed) found.add('web-rwkv');
    if (out === nEmbed && inner !== nEmbed) found.add('official');
  }
  if (found.size > 1) throw new ModelFormatError('the v7 LoRA matrices are stored in mixed orientations');
  return found.has('web-rwkv') ? 'web-rwkv' : 'official';
}

/** The transform from a stored tensor's values to canonical values, by generation and tensor. */
function transformFor(generation: Generation, naming: CheckpointNaming, name: string): Transform | undefined {
  const suffix = suffixOf(name);
  const official = naming === 'official';
  switch (generation) {
    case '4':
      return suffix === 'att.time_decay' ? negExp : undefined;
    case '5.1':
      if (suffix === 'att.time_decay') return expNegExp;
      return suffix === 'att.time_first' ? exp : undefined;
    case '5.2':
      if (suffix === 'att.time_decay') return compose(repeatPerHead, expNegExp);
      return suffix === 'att.time_faaaa' ? repeatPerHead : undefined;
    case '6':
      return official && V6_LORA.includes(suffix.replace(/^att\./, '')) ? transposeLastTwo : undefined;
    case '7':
      return official && V7_LORA.includes(suffix.replace(/^att\./, '')) ? transposeLastTwo : undefined;
  }
}

/** The shape a stored tensor has once transposed as canonical (size-1 dims kept: inference ignores them). */
function orientedShape(tensor: StoredTensor, transform: Transform | undefined): readonly number[] {
  if (transform !== transposeLastTwo || tensor.shape.length < 2) return tensor.shape;
  const shape = [...tensor.shape];
  [shape[shape.length - 2], shape[shape.length - 1]] = [shape[shape.length - 1], shape[shape.length - 2]];
  return shape;
}

/** The shape used for spec inference: oriented, x_rwkvag stacked, v5.2's per-head [H] widened to [H, C/H]. */
function inferenceShape(
  name: string,
  parts: readonly StoredTensor[],
  transform: Transform | undefined,
  generation: Generation,
  nEmbed: number,
): readonly number[] {
  if (name.endsWith('.x_rwkvag')) return [V7_MIXES.length, ...squeeze(parts[0].shape)];
  const shape = orientedShape(parts[0], transform);
  const dims = squeeze(shape);
  const perHead = generation === '5.2' && /\.att\.time_(decay|faaaa)$/.test(name) && dims.length === 1;
  if (perHead && dims[0] !== nEmbed && nEmbed % dims[0] === 0) return [dims[0], nEmbed / dims[0]];
  return shape;
}

/** v6 stores time_decay as [1, 1, C]; canonically it is [H, S] (rwkv.cpp reshapes it the same way). */
function headSplit(spec: ModelSpec, name: string, shape: readonly number[] | undefined): readonly number[] | undefined {
  const splits = spec.generation === '6' && name.endsWith('.att.time_decay') && shape !== undefined;
  return splits && sameIgnoringOnes(shape, [spec.nEmbed]) ? [spec.nHead, spec.headSize] : shape;
}

function sameIgnoringOnes(a: readonly number[], b: readonly number[]): boolean {
  const left = squeeze(a);
  const right = squeeze(b);
  return left.length === right.length && left.every((dim, i) => dim === right[i]);
}

interface PlannedTensor {
  name: string;
  shape: readonly number[];
  parts: readonly StoredTensor[];
  transform: Transform | undefined;
}

/** Detects the generation and naming from the stored names and shapes, and prepares canonical streaming. */
export function openOfficialCheckpoint(stored: readonly StoredTensor[]): OfficialCheckpoint {
  const { outputs, webRwkvNames } = renameAll(stored);
  const emb = outputs.get('emb.weight')?.[0];
  if (emb === undefined || emb.shape.length !== 2) {
    throw new ModelFormatError("missing tensor 'emb.weight' (a [n_vocab, n_embed] matrix)");
  }
  const nEmbed = emb.shape[1];
  const generation = detectGeneration(outputs.keys());
  for (const name of [...outputs.keys()]) {
    if (isUnusedOfficialTensor(generation, name)) outputs.delete(name);
  }
  const naming: CheckpointNaming =
    generation === '7' ? v7Naming(outputs, nEmbed) : webRwkvNames ? 'web-rwkv' : 'official';
  const found = new Map<string, { shape: readonly number[]; sourceType: SourceType }>();
  const transforms = new Map<string, Transform | undefined>();
  for (const [name, parts] of outputs) {
    const transform = transformFor(generation, naming, name);
    transforms.set(name, transform);
    found.set(name, { shape: inferenceShape(name, parts, transform, generation, nEmbed), sourceType: parts[0].type });
  }
  const spec = inferSpec(found);
  const expected = expectedTensorShapes(spec);
  const plan: PlannedTensor[] = [];
  for (const [name, shape] of expected) {
    const parts = outputs.get(name);
    const foundShape = headSplit(spec, name, found.get(name)?.shape);
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
    async *tensors() {
      for (const { tensor } of streamedTensors(Number.POSITIVE_INFINITY)) {
        const { name, shape, sourceType } = tensor;
        yield { name, shape, sourceType, data: await tensorValues(tensor) };
      }
    },
  };
}

function streamedTensor({ name, shape, parts, transform }: PlannedTensor, runBytes: number): CheckpointTensor {
  const first = parts[0];
  const sourceType = first.type;
  const end = Math.max(...parts.map((part) => part.position + elementCount(part.shape) * FLOAT_TYPE_BYTES[part.type]));
  if (parts.length === 1 && transform === undefined) {
    const rowBytes = shape[shape.length - 1] * FLOAT_TYPE_BYTES[sourceType];
    const cursor = new RunCursor(
      name,
      planRuns(rowCountOf(shape), rowBytes, runBytes),
      (span) => first.readBytes(span.firstRow * rowBytes, span.rowCount * rowBytes),
      async () => undefined,
    );
    return { tensor: { name, shape, sourceType, dataType: sourceType, runs: () => cursor.runs() }, end };
  }
  const whole = async (): Promise<Uint8Array> => {
    const values: Float32Array[] = [];
    for (const part of parts) values.push(decodeTensorData(part.type, await part.readBytes()));
    const joined = values.length === 1 ? values[0] : concatenate(values);
    const data = transform === undefined ? joined : transform(joined, first.shape, shape);
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  };
  const cursor = new RunCursor(name, [{ firstRow: 0, rowCount: rowCountOf(shape) }], whole, async () => undefined);
  return { tensor: { name, shape, sourceType, dataType: 'f32', runs: () => cursor.runs() }, end };
}

function concatenate(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((total, part) => total + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Every tensor of a checkpoint in memory, checked once more by src/model's assembly. */
export async function collectCanonicalModel(checkpoint: OfficialCheckpoint): Promise<CanonicalModel> {
  const tensors: Tensor[] = [];
  for await (const tensor of checkpoint.tensors()) tensors.push(tensor);
  return assembleCanonicalModel(tensors);
}
