/**
 * Seeded synthetic canonical models of every generation (each module draws its blocks): every tensor of
 * docs/canonical-model.md, filled with
 * deterministic pseudo-random values (mulberry32) in ranges that keep activations sane — unit-variance linear layers,
 * LayerNorm gains near 1, decays in the ranges of trained models — so that tests on them are meaningful and GPU
 * kernels see realistic magnitudes. Fast enough for benchmark shapes (a v7 0.1B: 12 layers, C 768, vocab 65536).
 */
import type { CanonicalModel, Generation, LoraDims, ModelSpec, Tensor } from '../model/spec.js';
import type { SyntheticTensors } from './generation-module.js';
import { generationModule } from './registry.js';

export interface SyntheticModelOptions {
  generation: Generation;
  nLayer: number;
  nEmbed: number;
  /** v5+: number of heads (or give headSize); default headSize 64, or nEmbed when smaller. */
  nHead?: number;
  headSize?: number;
  nFfn: number;
  nVocab: number;
  /** v6/v7 LoRA widths; missing ones default to those of small trained models. */
  lora?: LoraDims;
  seed: number;
}

/** mulberry32: a small, fast 32-bit PRNG; fills whole arrays in one loop without per-element closures. */
class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Fills `out` with values uniform in [low, high). */
  fill(out: Float32Array, low: number, high: number): Float32Array {
    const span = high - low;
    let s = this.state;
    for (let i = 0; i < out.length; i++) {
      s = (s + 0x6d2b79f5) | 0;
      let t = Math.imul(s ^ (s >>> 15), 1 | s);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      out[i] = low + span * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
    }
    this.state = s;
    return out;
  }
}

function headShape(options: SyntheticModelOptions): { nHead: number; headSize: number } {
  const c = options.nEmbed;
  if (!generationModule(options.generation).tensors.heads) return { nHead: 0, headSize: 0 };
  const headSize = options.headSize ?? (options.nHead ? c / options.nHead : Math.min(64, c));
  const nHead = c / headSize;
  if (!Number.isInteger(headSize) || !Number.isInteger(nHead) || (options.nHead && options.nHead !== nHead)) {
    throw new RangeError(
      `nEmbed ${c} does not split into heads (nHead ${options.nHead ?? '?'}, headSize ${options.headSize ?? '?'}).`,
    );
  }
  return { nHead, headSize };
}

function checkDims(options: SyntheticModelOptions): void {
  for (const key of ['nLayer', 'nEmbed', 'nFfn', 'nVocab'] as const) {
    if (!Number.isInteger(options[key]) || options[key] <= 0) {
      throw new RangeError(`Synthetic model: ${key} must be a positive integer, got ${options[key]}.`);
    }
  }
}

/** The spec of the synthetic model `options` describe. */
export function syntheticModelSpec(options: SyntheticModelOptions): ModelSpec {
  checkDims(options);
  const { nHead, headSize } = headShape(options);
  return {
    generation: options.generation,
    nLayer: options.nLayer,
    nEmbed: options.nEmbed,
    nVocab: options.nVocab,
    nHead,
    headSize,
    nFfn: options.nFfn,
    lora: { ...generationModule(options.generation).syntheticLora, ...options.lora },
    weightType: 'f32',
  };
}

/** A whole synthetic model in memory. */
export function createSyntheticModel(options: SyntheticModelOptions): CanonicalModel {
  const tensors = new Map<string, Tensor>();
  for (const tensor of syntheticTensors(options)) tensors.set(tensor.name, tensor);
  return { spec: syntheticModelSpec(options), tensors };
}

/**
 * The tensors of a synthetic model, one at a time, so that a large one (a benchmark shape) can be uploaded tensor
 * by tensor without the whole model ever being in memory.
 */
export function* syntheticTensors(options: SyntheticModelOptions): Generator<Tensor> {
  const spec = syntheticModelSpec(options);
  const { nLayer, nEmbed: c, nVocab: v } = spec;
  const random = new SeededRandom(options.seed);
  const uniform = (name: string, shape: number[], low: number, high: number): Tensor => {
    const data = random.fill(new Float32Array(shape.reduce((n, d) => n * d, 1)), low, high);
    const kept = shape.filter((d) => d !== 1);
    return { name, shape: kept.length > 0 ? kept : [1], data, sourceType: 'f32' };
  };
  const draw: SyntheticTensors = {
    uniform,
    matrix(name, out, inDim, gain = 1) {
      const bound = gain * Math.sqrt(3 / inDim);
      const data = random.fill(new Float32Array(out * inDim), -bound, bound);
      return { name, shape: [out, inDim], data, sourceType: 'f32' };
    },
    norm: (name) => [uniform(`${name}.weight`, [c], 0.8, 1.2), uniform(`${name}.bias`, [c], -0.1, 0.1)],
    derived(name, shape, low, high, transform) {
      const tensor = uniform(name, shape, low, high);
      for (let i = 0; i < tensor.data.length; i++) tensor.data[i] = transform(tensor.data[i]);
      return tensor;
    },
  };
  const module = generationModule(spec.generation);

  yield uniform('emb.weight', [v, c], -1, 1);
  yield* draw.norm('blocks.0.ln0');
  for (let layer = 0; layer < nLayer; layer++) {
    yield* draw.norm(`blocks.${layer}.ln1`);
    yield* draw.norm(`blocks.${layer}.ln2`);
    yield* module.syntheticBlock(spec, layer, draw);
  }
  yield* draw.norm('ln_out');
  yield draw.matrix('head.weight', v, c);
}
