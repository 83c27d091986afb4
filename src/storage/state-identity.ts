/**
 * The identity of a loaded model, carried by every saved state so that a state is only ever restored into the model
 * it came from (docs/state-format.md, "Model identity"):
 *   specHash: SHA-256 of the model's shape (generation, layers, widths, vocabulary, heads, FFN and LoRA widths):
 *             everything that fixes the architecture and the state layout, but not the weight type.
 *   modelId:  SHA-256 of the spec hash and of one digest per canonical tensor (its name, shape and up to
 *             SAMPLES_PER_TENSOR of its f32 values at evenly spaced positions, the first and the last included:
 *             every value of a small tensor), taken in name order.
 * The weights enter as canonical tensors, so the same values read from `.bin`, `.pth` or safetensors give the same
 * id; an f16 or quantized copy of a model holds other values and gets an id of its own. The plain-TypeScript SHA-256
 * is used (crypto.subtle is missing in insecure contexts): about 16 KiB per tensor, a few milliseconds per model.
 */
import type { LoraDims, ModelSpec, Tensor } from '../model/spec.js';
import { bytesToHex } from './hash.js';
import { Sha256 } from './sha256.js';

const SAMPLES_PER_TENSOR = 4096;

export interface ModelIdentity {
  /** Hex SHA-256 of the model's shape. */
  specHash: string;
  /** Hex SHA-256 of the shape and a fingerprint of the weights. */
  modelId: string;
}

const utf8 = new TextEncoder();

/**
 * The place of each spec field in the hash, or `false` for the one field that is no part of the shape. Records over
 * the keys of ModelSpec and LoraDims: a field added to either is a type error here until it is given its place, so
 * two models that differ in it never share a hash.
 */
const SPEC_FIELD_ORDER: Readonly<Record<Exclude<keyof ModelSpec, 'lora'>, number | false>> = {
  generation: 0,
  nLayer: 1,
  nEmbed: 2,
  nVocab: 3,
  nHead: 4,
  headSize: 5,
  nFfn: 6,
  weightType: false,
};
const LORA_FIELD_ORDER: Readonly<Record<keyof LoraDims, number>> = {
  mix: 0,
  decay: 1,
  iclr: 2,
  valueResidual: 3,
  gate: 4,
};

/** Keys of `order` that have a place, by place. */
function ordered<K extends string>(order: Readonly<Record<K, number | false>>): K[] {
  const placed = (Object.keys(order) as K[]).filter((key) => order[key] !== false);
  return placed.sort((a, b) => Number(order[a]) - Number(order[b]));
}

/** The shape fields that define a model's architecture, in a fixed order (absent LoRA widths are 0). */
function specFields(spec: ModelSpec): (string | number)[] {
  return [
    'rwkv-spec/1',
    ...ordered(SPEC_FIELD_ORDER).map((key) => spec[key]),
    ...ordered(LORA_FIELD_ORDER).map((key) => spec.lora[key] ?? 0),
  ];
}

export function specHash(spec: ModelSpec): string {
  return bytesToHex(new Sha256().update(utf8.encode(JSON.stringify(specFields(spec)))).digest());
}

/** Where a tensor of `length` values is sampled: SAMPLES_PER_TENSOR evenly spaced indices, first and last included. */
export function samplePositions(length: number): number[] {
  const count = Math.min(length, SAMPLES_PER_TENSOR);
  return Array.from({ length: count }, (_, i) => (count === 1 ? 0 : Math.floor((i * (length - 1)) / (count - 1))));
}

/**
 * Digests a model's tensors one at a time and in any order, so that a loader streaming tensors to the GPU can feed
 * each as it passes; `identity` then combines them.
 */
export class WeightsFingerprint {
  private readonly digests = new Map<string, Uint8Array>();

  add(tensor: Tensor): void {
    const { data } = tensor;
    this.addSamples(
      tensor.name,
      tensor.shape,
      data.length,
      Float32Array.from(samplePositions(data.length), (at) => data[at]),
    );
  }

  /** Digests a tensor from its values at `samplePositions(length)` (a loader that never holds it whole). */
  addSamples(name: string, shape: readonly number[], length: number, samples: Float32Array): void {
    if (this.digests.has(name)) throw new Error(`Tensor ${name} was fingerprinted twice.`);
    const bytes = new Uint8Array(samples.length * 4);
    const view = new DataView(bytes.buffer);
    samples.forEach((value, i) => view.setFloat32(i * 4, value, true));
    const hash = new Sha256().update(utf8.encode(JSON.stringify([name, shape, length]))).update(bytes);
    this.digests.set(name, hash.digest());
  }

  identity(spec: ModelSpec): ModelIdentity {
    const shape = specHash(spec);
    const hash = new Sha256().update(utf8.encode(`rwkv-model/1 ${shape}`));
    for (const name of [...this.digests.keys()].sort()) hash.update(this.digests.get(name)!);
    return { specHash: shape, modelId: bytesToHex(hash.digest()) };
  }
}
