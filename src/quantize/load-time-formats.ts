/**
 * Which linear weights a load-time quantization (`quantize: 'q8' | 'q4'`) turns into blocks, and into which block
 * type — the one decision both the GPU loader and the CPU oracle's matching mode (oracle-weights.ts) read:
 *
 * - 'q8' writes Q8_0 (1.0625 bytes per weight) everywhere. 'q4' writes Q4_1 (0.625 bytes per weight; chosen over
 *   Q4_0 and NF4 by measured perplexity, docs/gpu.md "Load-time formats") into the matrices and the LoRA
 *   projections, and Q8_0 into the head and the embedding: measured on the fixtures, a 4-bit head or embedding
 *   costs up to 1 % perplexity each, an 8-bit one under 0.1 %; an f16 head would take the RWKV-7 1.5B shape past
 *   1.1 GB.
 * - `head: false` / `embedding: false` keep those in f16 instead (both quantized by default: measured, docs/gpu.md).
 * - Only f32 / f16 / bf16 sources are quantized; blocks read from a quantized file are kept as they are, never
 *   re-quantized.
 * - A matrix whose rows are not whole 32-value blocks is kept in f16 (no padding: a padded block would need the
 *   kernels to read past the row); so is every other float linear weight not quantized (`unquantizedFloatFormat`).
 *
 * The GPU loader (src/runtime/weights.ts) and the fast CPU backend's reader (src/wasm-runtime/read-weights.ts) both
 * hold their weights this way, with the encoders of src/formats/quantize-blocks.ts run by run (quantize-run.ts).
 */
import { QUANT_BLOCK_VALUES, isQuantizedType } from '../formats/quantized.js';
import { weightClass, type WeightClass } from '../generations/weight-class.js';
import type { SourceType } from '../model/spec.js';
import type { EncodedBlockType } from '../formats/quantize-blocks.js';

/** How the loader stores linear weights: as the file has them ('none'), or quantized at load to 8 or 4 bits. */
export type WeightQuantization = 'none' | 'q8' | 'q4';

type LinearClass = Exclude<WeightClass, 'vector'>;

/** The block type of each class of linear weight under each load-time quantization. */
export const LOAD_TIME_BLOCK_TYPES: Readonly<
  Record<Exclude<WeightQuantization, 'none'>, Readonly<Record<LinearClass, EncodedBlockType>>>
> = {
  q8: { matrix: 'q8_0', lora: 'q8_0', embedding: 'q8_0', head: 'q8_0' },
  q4: { matrix: 'q4_1', lora: 'q4_1', embedding: 'q8_0', head: 'q8_0' },
};

export interface LoadTimeQuantization {
  quantize: WeightQuantization;
  /** Quantize the head too (default true); false keeps it in f16. */
  head?: boolean;
  /** Quantize the embedding too (default true); false keeps it in f16. */
  embedding?: boolean;
}

/**
 * The block type linear weight `name` (rows of `columns` values, stored in the file as `sourceType`) is quantized
 * to at load, or undefined when it is not quantized at load.
 */
export function loadTimeBlockType(
  name: string,
  columns: number,
  sourceType: SourceType,
  options: LoadTimeQuantization,
): EncodedBlockType | undefined {
  const weight = weightClass(name);
  if (options.quantize === 'none' || weight === 'vector') return undefined;
  if (isQuantizedType(sourceType) || columns % QUANT_BLOCK_VALUES !== 0) return undefined;
  if ((weight === 'head' && options.head === false) || (weight === 'embedding' && options.embedding === false)) {
    return undefined;
  }
  return LOAD_TIME_BLOCK_TYPES[options.quantize][weight];
}

/**
 * The format of the float linear weights a load-time quantization leaves unquantized: f16 (the values
 * oracle-weights.ts rounds them to); undefined without a quantization, where each backend keeps its own.
 */
export function unquantizedFloatFormat(options: LoadTimeQuantization): 'f16' | undefined {
  return options.quantize === 'none' ? undefined : 'f16';
}
