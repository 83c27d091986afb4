/**
 * The canonical tensor set of a model (docs/canonical-model.md), for every format reader: detects the generation
 * from block 0's tensor names, infers the ModelSpec from tensor shapes, lists the expected tensors of a spec, and
 * assembles a CanonicalModel after checking that every expected tensor is present exactly once with its shape —
 * each step asking the generation modules (registry.ts) for what is theirs.
 */
import { ModelFormatError } from '../errors.js';
import { elementCount } from '../model/spec.js';
import type { CanonicalModel, Generation, ModelSpec, SourceType, Tensor } from '../model/spec.js';
import { generationModule, MODULES_NEWEST_FIRST } from './registry.js';
import { matrixRows, requireShape, sameIgnoringOnes, type TensorShapes } from './shapes.js';

/** The generation whose signature tensors block 0 has. */
export function detectGeneration(names: Iterable<string>): Generation {
  const block0 = new Set<string>();
  for (const name of names) if (name.startsWith('blocks.0.')) block0.add(name.slice('blocks.0.'.length));
  const found = MODULES_NEWEST_FIRST.find((module) => module.tensors.signature.every((suffix) => block0.has(suffix)));
  if (found === undefined) {
    const signatures = MODULES_NEWEST_FIRST.map(
      (module) => `v${module.generation}: ${module.tensors.signature.join(' + ')}`,
    );
    throw new ModelFormatError(
      `cannot tell the RWKV generation: block 0 has none of the identifying tensors (${signatures.join('; ')})`,
    );
  }
  return found.generation;
}

const LAYER_NAME = /^blocks\.(\d+)\./;

/** One more than the highest `blocks.N.` index, bounded by the number of tensors (each layer has several). */
function countLayers(names: readonly string[]): number {
  let highest = -1;
  for (const name of names) {
    const match = LAYER_NAME.exec(name);
    if (match !== null) highest = Math.max(highest, Number(match[1]));
  }
  if (highest < 0) throw new ModelFormatError('the model has no blocks (no tensor named blocks.N.…)');
  if (highest >= names.length) {
    throw new ModelFormatError(
      `tensor names mention block ${highest}, but the model holds only ${names.length} tensors`,
    );
  }
  return highest + 1;
}

/** Infers the spec from tensor shapes (size-1 dims ignored where formats differ) and types. */
export function inferSpec(tensors: ReadonlyMap<string, Pick<Tensor, 'shape' | 'sourceType'>>): ModelSpec {
  const shapes: TensorShapes = new Map([...tensors].map(([name, tensor]) => [name, tensor.shape]));
  const names = [...shapes.keys()];
  const generation = detectGeneration(names);
  const layout = generationModule(generation).tensors;
  const nVocab = matrixRows(shapes, 'emb.weight');
  const nEmbed = requireShape(shapes, 'emb.weight')[1];
  const nLayer = countLayers(names);
  const { nHead, headSize } = layout.inferHeads(shapes, nEmbed);
  const weightType: SourceType = tensors.get('blocks.0.att.key.weight')?.sourceType ?? 'f32';
  return {
    generation,
    nLayer,
    nEmbed,
    nVocab,
    nHead,
    headSize,
    nFfn: matrixRows(shapes, 'blocks.0.ffn.key.weight'),
    lora: layout.inferLora(shapes, nLayer),
    weightType,
  };
}

/** Every tensor of a model with this spec, in canonical order, with its canonical shape. */
export function expectedTensorShapes(spec: ModelSpec): Map<string, readonly number[]> {
  const c = spec.nEmbed;
  const layout = generationModule(spec.generation).tensors;
  const shapes = new Map<string, readonly number[]>([['emb.weight', [spec.nVocab, c]]]);
  for (let layer = 0; layer < spec.nLayer; layer++) {
    const prefix = `blocks.${layer}.`;
    const norms = layer === 0 ? ['ln0', 'ln1', 'ln2'] : ['ln1', 'ln2'];
    for (const norm of norms) {
      shapes.set(`${prefix}${norm}.weight`, [c]);
      shapes.set(`${prefix}${norm}.bias`, [c]);
    }
    for (const [suffix, shape] of layout.blockTensors(spec, layer)) shapes.set(prefix + suffix, shape);
  }
  shapes.set('ln_out.weight', [c]);
  shapes.set('ln_out.bias', [c]);
  shapes.set('head.weight', [spec.nVocab, c]);
  return shapes;
}

function describeSpec(spec: ModelSpec): string {
  const heads = spec.nHead > 0 ? `, ${spec.nHead} × ${spec.headSize} heads` : '';
  return `v${spec.generation} model (n_embed ${spec.nEmbed}, n_vocab ${spec.nVocab}, ffn ${spec.nFfn}${heads})`;
}

/** A model's tensor set checked by names and shapes: its spec and every tensor's canonical shape. */
export interface CheckedTensorSet {
  spec: ModelSpec;
  /** Canonical shape by name, in canonical order. */
  shapes: ReadonlyMap<string, readonly number[]>;
}

/**
 * Infers the spec from the tensors' names, shapes and types, and checks that every expected tensor is present with
 * the expected shape (up to size-1 dims) and that no other tensor is. A streaming loader checks its tensors with
 * this once they have all passed, without holding their data.
 */
export function checkTensorSet(found: ReadonlyMap<string, Pick<Tensor, 'shape' | 'sourceType'>>): CheckedTensorSet {
  const spec = inferSpec(found);
  const expected = expectedTensorShapes(spec);
  for (const [name, shape] of expected) {
    const tensor = found.get(name);
    if (tensor === undefined) throw new ModelFormatError(`missing tensor '${name}' for a ${describeSpec(spec)}`);
    if (!sameIgnoringOnes(tensor.shape, shape)) {
      throw new ModelFormatError(
        `tensor '${name}' has shape [${tensor.shape}], expected [${shape}] for a ${describeSpec(spec)}`,
      );
    }
  }
  for (const name of found.keys()) {
    if (!expected.has(name)) throw new ModelFormatError(`unexpected tensor '${name}' in a ${describeSpec(spec)}`);
  }
  return { spec, shapes: expected };
}

/**
 * Collects tensors (rejecting duplicate names), checks the set (checkTensorSet) and each tensor's data length, and
 * gives every tensor its canonical shape.
 */
export function assembleCanonicalModel(tensors: Iterable<Tensor>): CanonicalModel {
  const byName = new Map<string, Tensor>();
  for (const tensor of tensors) {
    if (byName.has(tensor.name)) throw new ModelFormatError(`duplicate tensor '${tensor.name}'`);
    byName.set(tensor.name, tensor);
  }
  const { spec, shapes } = checkTensorSet(byName);
  const canonical = new Map<string, Tensor>();
  for (const [name, shape] of shapes) {
    const tensor = byName.get(name)!;
    if (tensor.data.length !== elementCount(shape)) {
      throw new ModelFormatError(
        `tensor '${name}' has ${tensor.data.length} values, expected ${elementCount(shape)} for [${shape}] in a ` +
          describeSpec(spec),
      );
    }
    canonical.set(name, { ...tensor, shape });
  }
  return { spec, tensors: canonical };
}
