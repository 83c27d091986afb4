/**
 * The canonical description of an RWKV model: every format reader produces a `ModelSpec` plus canonical tensors
 * (see docs/canonical-model.md for the names, shapes and stored transforms of every generation).
 */

/** RWKV architecture generation. */
export type Generation = '4' | '5.1' | '5.2' | '6' | '7';

export const GENERATIONS: readonly Generation[] = ['4', '5.1', '5.2', '6', '7'];

/** How a tensor's values were stored in the source file (canonical tensors are always f32 in memory). */
export type SourceType =
  'f32' | 'f16' | 'bf16' | 'q4_0' | 'q4_1' | 'q5_0' | 'q5_1' | 'q8_0' | 'q2_k' | 'q3_k' | 'q4_k' | 'q5_k' | 'q6_k';

/** The tokenizer a model expects, inferred from its vocabulary size unless the caller says otherwise. */
export type TokenizerKind = 'bytes' | 'world' | 'pile20b';

/** Widths of the low-rank (LoRA) projections; absent for generations that have none. */
export interface LoraDims {
  /** v6: time_maa_w1 width per mix (D_mix); v7: unused. */
  mix?: number;
  /** v6: time_decay_w1 width; v7: w1 width. */
  decay?: number;
  /** v7: a1 width (in-context learning rate). */
  iclr?: number;
  /** v7: v1 width (value residual), present from layer 1 on. */
  valueResidual?: number;
  /** v7: g1 width (output gate). */
  gate?: number;
}

export interface ModelSpec {
  generation: Generation;
  nLayer: number;
  nEmbed: number;
  nVocab: number;
  /** Number of WKV heads; 0 for v4, whose state is a vector per channel. */
  nHead: number;
  /** Channels per head (S); 0 for v4. nHead * headSize === nEmbed otherwise. */
  headSize: number;
  /** Hidden width of the channel-mix (FFN) block. */
  nFfn: number;
  lora: LoraDims;
  /** The source file's dominant weight type (that of the large matrices). */
  weightType: SourceType;
}

/** A model's name and shape as the public API describes it (the engine's info, a state file's model). */
export interface ModelDescription extends Pick<
  ModelSpec,
  'generation' | 'nLayer' | 'nEmbed' | 'nVocab' | 'nHead' | 'headSize' | 'nFfn'
> {
  /** The model's file name as the engine knows it. */
  name: string;
}

/** The dimension fields of a ModelDescription. */
export const MODEL_DESCRIPTION_DIMENSIONS = ['nLayer', 'nEmbed', 'nVocab', 'nHead', 'headSize', 'nFfn'] as const;

/** Only a description's own fields, in a fixed order (from an EngineInfo, or a parsed file's object). */
export function describeModel(model: ModelDescription): ModelDescription {
  const { name, generation, nLayer, nEmbed, nVocab, nHead, headSize, nFfn } = model;
  return { name, generation, nLayer, nEmbed, nVocab, nHead, headSize, nFfn };
}

/** One canonical tensor: row-major f32 data; matrices are [out, in] so that y = W·x. */
export interface Tensor {
  name: string;
  shape: readonly number[];
  data: Float32Array;
  sourceType: SourceType;
}

export interface CanonicalModel {
  spec: ModelSpec;
  tensors: ReadonlyMap<string, Tensor>;
}

/** Number of elements of a shape. */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, dim) => product * dim, 1);
}

/** Default tokenizer for a vocabulary size: 256 → bytes, 65536 → world, 50277 / 50304 → pile20b. */
export function defaultTokenizerKind(nVocab: number): TokenizerKind | undefined {
  if (nVocab === 256) return 'bytes';
  if (nVocab === 65536) return 'world';
  if (nVocab === 50277 || nVocab === 50304) return 'pile20b';
  return undefined;
}
