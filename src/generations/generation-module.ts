/**
 * Everything that one RWKV generation is, in one object: its canonical tensors (how it is recognised, its spec from
 * tensor shapes, its tensor list), how official checkpoints store them, its seeded synthetic initialiser, its GPU
 * upload policy, its state layout, and its layer twice — the CPU math (the oracle) and the GPU plan of kernels.
 * Each generation's folder (v4/ … v7/) builds one; registry.ts holds them all in a Record<Generation, …> that the
 * compiler makes complete, and every shared piece (format readers, synthetic models, the uploader, states, both
 * forward passes) asks the registry instead of branching on the generation. docs/adding-a-generation.md walks
 * through writing one.
 */
import type { CpuLayerFactory } from '../cpu/layer.js';
import type { FastLayerKind } from '../wasm/layer.js';
import type { GpuLayerFactory } from '../gpu/step/layer-ops.js';
import type { Generation, LoraDims, ModelSpec, Tensor } from '../model/spec.js';
import type { StateShape } from '../model/state.js';
import type { BlockTensor, HeadLayout, TensorShapes } from './shapes.js';

/** The canonical tensors of a generation (docs/canonical-model.md). */
export interface GenerationTensors {
  /** Names after `blocks.0.` that identify the generation when all are present (checked newest first). */
  signature: readonly string[];
  inferHeads(shapes: TensorShapes, nEmbed: number): HeadLayout;
  inferLora(shapes: TensorShapes, nLayer: number): LoraDims;
  /** The tensors of block `layer` other than ln0/ln1/ln2, in canonical shapes. */
  blockTensors(spec: ModelSpec, layer: number): BlockTensor[];
  /** Whether the WKV runs over heads (v5+: nHead × headSize = nEmbed) or per channel (v4: nHead and headSize 0). */
  heads: boolean;
}

/** From a stored tensor's values to canonical ones, given its stored shape and its canonical shape. */
export type ValueTransform = (
  data: Float32Array,
  storedShape: readonly number[],
  shape: readonly number[],
) => Float32Array;

/**
 * Whose names and matrix orientation a checkpoint uses: BlinkDL's official files, web-rwkv's `.st`, or a Hugging Face
 * conversion (transformers' RWKV-4 and the hub's RWKV-5/6 models, fla's RWKV-7), read through the module's `hub`.
 */
export type CheckpointNaming = 'official' | 'web-rwkv' | 'hugging-face';

/**
 * The tensor names of a Hugging Face conversion of this generation, mapped back to official names; values stay as
 * the converter wrote them (the module's `transforms['hugging-face']` say which differ from canonical).
 */
export interface HubNaming {
  /** Who writes these names (in messages). */
  readonly description: string;
  /** Whether a checkpoint's stored names are in this layout. */
  recognizes(names: readonly string[]): boolean;
  /** The official name of a stored name; a name the layout does not know is returned as it is. */
  officialName(name: string): string;
}

/** How BlinkDL's `.pth` (and safetensors holding the same tensors) and web-rwkv's `.st` store a generation. */
export interface OfficialStorage {
  /** Names (whole, e.g. `blocks.0.att.v0`) that official files carry but inference never reads: skipped unread. */
  unused: readonly string[];
  /** Canonical block tensors stored as several tensors (suffixes after `blocks.N.`), parts in row order. */
  stacks: readonly { name: string; parts: readonly string[] }[];
  /** When block 0's stored suffixes show web-rwkv's renames of this generation: the map back to canonical suffixes. */
  webRwkvRenames(block0: ReadonlySet<string>): ((suffix: string) => string) | undefined;
  /**
   * For a file of this generation, the naming its tensors' shapes prove (v7: the LoRA orientation), or undefined
   * when only the renames tell.
   */
  namingFromShapes?(shapes: ReadonlyMap<string, readonly number[]>, nEmbed: number): CheckpointNaming | undefined;
  /** How the Hugging Face conversions of this generation name its tensors. */
  hub: HubNaming;
  /** Value transforms by naming and block suffix; a suffix not listed is stored canonical. */
  transforms: Readonly<Record<CheckpointNaming, Readonly<Record<string, ValueTransform>>>>;
  /** The shape spec inference should see for a stored block tensor whose stored dims differ (5.2's per-head [H]). */
  inferenceShape?(suffix: string, dims: readonly number[], nEmbed: number): readonly number[] | undefined;
  /** The canonical shape a stored shape stands for once the spec is known (v6's time_decay [1, 1, C] as [H, S]). */
  storedAs?(suffix: string, shape: readonly number[], spec: ModelSpec): readonly number[] | undefined;
}

/**
 * How llama.cpp's GGUF files store a generation (its convert_hf_to_gguf.py and src/llama-model.cpp). GGUF keeps
 * every matrix as the canonical [out, in] (ggml dims are innermost first, so they read reversed), so the only
 * differences are names, fused tensors, flattened per-head vectors and the factors some values were divided by.
 */
export interface GgufStorage {
  /** `general.architecture` of this generation's files. */
  architecture: string;
  /** Block tensors by their name after `blk.N.` (e.g. `time_mix_key.weight`). */
  blockTensors: Readonly<Record<string, GgufBlockTensor>>;
}

/** Reads a numeric `<architecture>.<key>` metadata value of the file (undefined when absent). */
export type GgufMetadataNumber = (key: string) => number | undefined;

export interface GgufBlockTensor {
  /**
   * The canonical suffix after `blocks.N.`, or several when the file fuses tensors along its outermost dim (the
   * parts in order, each an equal share of the values).
   */
  canonical: string | readonly string[];
  /** A dummy that layer 0 carries (skipped unread there); any other layer's copy is read. */
  dummyInLayer0?: boolean;
  /** Whether the file stores it flattened to [C] while it is canonically [H, S]. */
  perHead?: boolean;
  /**
   * What the converter divided this tensor's values by in block `layer`; the reader multiplies them back (exact:
   * powers of two). Undefined or 1: stored as is.
   */
  divisor?(layer: number, metadata: GgufMetadataNumber): number;
}

/** The random tensors a synthetic model is made of, drawn in call order from one seeded stream. */
export interface SyntheticTensors {
  /** Values uniform in [low, high); size-1 dims are dropped from the shape. */
  uniform(name: string, shape: number[], low: number, high: number): Tensor;
  /** A [out, in] matrix with unit gain (variance 1/in per weight) times `gain`. */
  matrix(name: string, out: number, inDim: number, gain?: number): Tensor;
  /** `<name>.weight` near 1 and `<name>.bias` near 0, [C]. */
  norm(name: string): Tensor[];
  /** Uniform raw values, then stored = transform(raw) (decays in the ranges of trained models). */
  derived(name: string, shape: number[], low: number, high: number, transform: (x: number) => number): Tensor;
}

/** How the uploader puts a generation's block tensors on the GPU (emb and head are matrices in every generation). */
export interface UploadPolicy {
  /** Block suffixes of the linear weights (uploaded in the GPU matrix layout, f16 when asked). */
  matrices: readonly string[];
  /**
   * Those of `matrices` that are low-rank (LoRA) projections: a class of their own (src/generations/weight-class.ts)
   * for reports and for the load-time quantization's choice of block type (src/quantize/load-time-formats.ts).
   */
  lora: readonly string[];
}

/** What one layer's WKV state holds (after the two token-shift vectors, src/model/state.ts). */
export interface StatePolicy {
  wkvFloats(spec: StateShape): number;
  /** Sets a fresh layer's WKV part where zero is not its start (v4's pp); absent when all zero. */
  initialize?(wkv: Float32Array, spec: StateShape): void;
}

export interface GenerationModule {
  readonly generation: Generation;
  readonly tensors: GenerationTensors;
  readonly official: OfficialStorage;
  /** How llama.cpp's GGUF files store it; absent for generations llama.cpp does not run (v4, v5). */
  readonly gguf?: GgufStorage;
  /** LoRA widths a synthetic model of this generation gets by default (those of small trained models). */
  readonly syntheticLora: LoraDims;
  /** The tensors of block `layer` other than ln0/ln1/ln2, drawn in a fixed order. */
  syntheticBlock(spec: ModelSpec, layer: number, draw: SyntheticTensors): Iterable<Tensor>;
  readonly upload: UploadPolicy;
  readonly state: StatePolicy;
  readonly cpuLayer: CpuLayerFactory;
  /** The layer of the fast CPU backend (WebAssembly kernels, src/wasm/): the same math as `cpuLayer` over compact weights. */
  readonly fastLayer: FastLayerKind;
  /**
   * The GPU layer, imported on demand: its kernels are WGSL files, which only a bundler resolves, so that Node (the
   * CPU backend, the CLI) never loads them.
   */
  loadGpuLayer(): Promise<GpuLayerFactory>;
}
