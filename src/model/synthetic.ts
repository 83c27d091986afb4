/**
 * Seeded synthetic canonical models of every generation: every tensor of docs/canonical-model.md, filled with
 * deterministic pseudo-random values (mulberry32) in ranges that keep activations sane — unit-variance linear layers,
 * LayerNorm gains near 1, decays in the ranges of trained models — so that tests on them are meaningful and GPU
 * kernels see realistic magnitudes. Fast enough for benchmark shapes (a v7 0.1B: 12 layers, C 768, vocab 65536).
 */
import type { CanonicalModel, Generation, LoraDims, ModelSpec, Tensor } from './spec.js';

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

const DEFAULT_LORA: Partial<Record<Generation, LoraDims>> = {
  '6': { mix: 32, decay: 64 },
  '7': { decay: 64, iclr: 64, valueResidual: 32, gate: 128 },
};

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
  if (options.generation === '4') return { nHead: 0, headSize: 0 };
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
    lora: { ...DEFAULT_LORA[options.generation], ...options.lora },
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
  const { generation, nLayer, nEmbed: c, nFfn: f, nVocab: v, nHead: h, headSize: s, lora } = spec;
  const random = new SeededRandom(options.seed);

  /** A tensor with values uniform in [low, high); size-1 dims are dropped from non-matrix shapes. */
  const uniform = (name: string, shape: number[], low: number, high: number): Tensor => {
    const data = random.fill(new Float32Array(shape.reduce((n, d) => n * d, 1)), low, high);
    const kept = shape.filter((d) => d !== 1);
    return { name, shape: kept.length > 0 ? kept : [1], data, sourceType: 'f32' };
  };
  /** A [out, in] matrix with unit gain (variance 1/in per weight) times `gain`. */
  const matrix = (name: string, out: number, inDim: number, gain = 1): Tensor => {
    const bound = gain * Math.sqrt(3 / inDim);
    const data = random.fill(new Float32Array(out * inDim), -bound, bound);
    return { name, shape: [out, inDim], data, sourceType: 'f32' };
  };
  const norm = (name: string): Tensor[] => [
    uniform(`${name}.weight`, [c], 0.8, 1.2),
    uniform(`${name}.bias`, [c], -0.1, 0.1),
  ];
  /** Decay-like values transformed in place: stored = transform(uniform raw value). */
  const derived = (name: string, shape: number[], low: number, high: number, transform: (x: number) => number) => {
    const tensor = uniform(name, shape, low, high);
    for (let i = 0; i < tensor.data.length; i++) tensor.data[i] = transform(tensor.data[i]);
    return tensor;
  };
  const negExp = (x: number) => -Math.exp(x);
  const expNegExp = (x: number) => Math.exp(-Math.exp(x));

  yield uniform('emb.weight', [v, c], -1, 1);
  yield* norm('blocks.0.ln0');
  for (let layer = 0; layer < nLayer; layer++) {
    const block = `blocks.${layer}.`;
    const att = `${block}att.`;
    const ffn = `${block}ffn.`;
    yield* norm(`${block}ln1`);
    yield* norm(`${block}ln2`);

    if (generation === '4') {
      yield derived(`${att}time_decay`, [c], -4, 1, negExp);
      yield uniform(`${att}time_first`, [c], -1, 1);
    } else if (generation === '5.1') {
      yield derived(`${att}time_decay`, [h], -3, 0.5, expNegExp);
      yield derived(`${att}time_first`, [h], -1, 0.5, Math.exp);
    } else if (generation === '5.2') {
      yield derived(`${att}time_decay`, [h, s], -3, 0.5, expNegExp);
      yield uniform(`${att}time_faaaa`, [h, s], -0.5, 0.5);
    }
    if (generation === '4' || generation === '5.1' || generation === '5.2') {
      const mixes = generation === '5.2' ? ['k', 'v', 'r', 'g'] : ['k', 'v', 'r'];
      for (const m of mixes) yield uniform(`${att}time_mix_${m}`, [c], 0, 1);
    }
    if (generation === '6') {
      const dm = lora.mix ?? 0;
      const dd = lora.decay ?? 0;
      for (const m of ['x', 'w', 'k', 'v', 'r', 'g']) yield uniform(`${att}time_maa_${m}`, [c], 0, 1);
      yield matrix(`${att}time_maa_w1`, 5 * dm, c, 0.5);
      yield uniform(`${att}time_maa_w2`, [5, c, dm], -0.1, 0.1);
      yield uniform(`${att}time_decay`, [h, s], -3, 0);
      yield matrix(`${att}time_decay_w1`, dd, c, 0.5);
      yield matrix(`${att}time_decay_w2`, c, dd, 0.5);
      yield uniform(`${att}time_faaaa`, [h, s], -0.5, 0.5);
    }
    if (generation === '7') {
      yield uniform(`${att}x_rwkvag`, [6, c], 0, 1);
      yield uniform(`${att}w0`, [c], -2, 1);
      yield uniform(`${att}a0`, [c], -1, 1);
      yield uniform(`${att}k_k`, [c], 0.5, 1.5);
      yield uniform(`${att}k_a`, [c], 0.5, 1.5);
      yield uniform(`${att}r_k`, [h, s], -0.5, 0.5);
      const loras: [string, number | undefined][] = [
        ['w', lora.decay],
        ['a', lora.iclr],
        ['g', lora.gate],
      ];
      if (layer > 0) loras.push(['v', lora.valueResidual]);
      for (const [name, width = 0] of loras) {
        yield matrix(`${att}${name}1`, width, c, 0.5);
        yield matrix(`${att}${name}2`, c, width, 0.5);
      }
      if (layer > 0) yield uniform(`${att}v0`, [c], -1, 1);
    }
    if (generation !== '4') yield* norm(`${att}ln_x`);
    for (const m of ['key', 'value', 'receptance']) yield matrix(`${att}${m}.weight`, c, c);
    if (generation === '5.2' || generation === '6') yield matrix(`${att}gate.weight`, c, c);
    yield matrix(`${att}output.weight`, c, c, 0.5);

    if (generation === '7') {
      yield uniform(`${ffn}x_k`, [c], 0, 1);
    } else {
      const mixName = generation === '6' ? 'time_maa' : 'time_mix';
      yield uniform(`${ffn}${mixName}_k`, [c], 0, 1);
      yield uniform(`${ffn}${mixName}_r`, [c], 0, 1);
      yield matrix(`${ffn}receptance.weight`, c, c);
    }
    yield matrix(`${ffn}key.weight`, f, c);
    yield matrix(`${ffn}value.weight`, c, f, 0.5);
  }
  yield* norm('ln_out');
  yield matrix('head.weight', v, c);
}
