/**
 * Hand-built ggml blocks for the GGUF tests: seeded random Q-blocks and K-quant super-blocks with small finite
 * scales, an encoder that stores a model's linear weights as them (recording the values they decode to), and a
 * synthetic model whose rows fit K-quant super-blocks.
 */
import {
  dequantizeK,
  K_BLOCK_BYTES,
  K_BLOCK_VALUES,
  isKQuantType,
  type KQuantType,
} from '../../src/formats/k-quants.js';
import { QUANT_BLOCK_BYTES, QUANT_BLOCK_VALUES, dequantize, type QuantizedType } from '../../src/formats/quantized.js';
import { createSyntheticModel } from '../../src/generations/synthetic.js';
import type { CanonicalModel, Generation, SourceType } from '../../src/model/spec.js';
import { readRecords, seededRandom } from '../formats/helpers.js';
import { f32Bytes, isLinearWeight } from './write-gguf.js';
import type { GgmlTypeName, TensorEncoder } from './write-gguf.js';

/** Where each type keeps its f16 scales (d, and dmin where it has one). */
const SCALE_OFFSETS: Record<KQuantType, number[]> = {
  q2_k: [80, 82],
  q3_k: [108],
  q4_k: [0, 2],
  q5_k: [0, 2],
  q6_k: [208],
};

/**
 * `count` super-blocks of random bytes whose f16 scales are finite: exponent fields drawn from `exponents` (1–29 by
 * default: magnitudes 2^-14…2^14), any sign.
 */
export function randomKBlocks(type: KQuantType, count: number, seed: number, exponents = [1, 29]): Uint8Array {
  const random = seededRandom(seed);
  const bytes = Uint8Array.from({ length: count * K_BLOCK_BYTES[type] }, () => Math.floor(random() * 256));
  for (let block = 0; block < count; block++) {
    for (const offset of SCALE_OFFSETS[type]) {
      const at = block * K_BLOCK_BYTES[type] + offset;
      const exponent = exponents[0] + Math.floor(random() * (exponents[1] - exponents[0] + 1));
      bytes[at + 1] = (bytes[at + 1] & 0x80) | (exponent << 2) | (bytes[at + 1] & 0x03);
    }
  }
  return bytes;
}

/** A synthetic model whose rows (C = F = 256) fit K-quant super-blocks; LoRA rows (32) fit only 32-value blocks. */
export function model256(generation: Generation, nVocab = 48): CanonicalModel {
  return createSyntheticModel({
    generation,
    nLayer: 2,
    nEmbed: 256,
    headSize: 64,
    nFfn: 256,
    nVocab,
    lora: generation === '6' ? { mix: 32, decay: 32 } : { decay: 32, iclr: 32, valueResidual: 32, gate: 32 },
    seed: 77,
  });
}

/** Random blocks of `type` for a tensor of `count` values with small scales (f16 exponent fields 3–5). */
export function blocksOf(type: SourceType, count: number, seed: number): Uint8Array {
  if (isKQuantType(type)) return randomKBlocks(type, count / K_BLOCK_VALUES, seed, [3, 5]);
  const blockBytes = QUANT_BLOCK_BYTES[type as QuantizedType];
  const random = seededRandom(seed);
  const bytes = Uint8Array.from({ length: (count / QUANT_BLOCK_VALUES) * blockBytes }, () => random() * 256);
  for (let at = 0; at < bytes.length; at += blockBytes) {
    bytes[at + 1] = (bytes[at + 1] & 0x80) | ((5 + Math.floor(random() * 3)) << 2); // d: 2^-10 … 2^-8
    if (type === 'q4_1' || type === 'q5_1') bytes[at + 3] = (bytes[at + 3] & 0x80) | (6 << 2); // m
  }
  return bytes;
}

export const SOURCE_TYPES: Readonly<Record<GgmlTypeName, SourceType>> = {
  F32: 'f32',
  F16: 'f16',
  BF16: 'bf16',
  Q4_0: 'q4_0',
  Q4_1: 'q4_1',
  Q5_0: 'q5_0',
  Q5_1: 'q5_1',
  Q8_0: 'q8_0',
  Q2_K: 'q2_k',
  Q3_K: 'q3_k',
  Q4_K: 'q4_k',
  Q5_K: 'q5_k',
  Q6_K: 'q6_k',
};

/**
 * Stores linear weights as random blocks of `type` (or Q8_0 where a row does not fit a K-quant super-block, as
 * llama.cpp's quantizer falls back), and records in `expected` the values those blocks decode to.
 */
export function quantizedAs(type: GgmlTypeName, expected: Map<string, Float32Array>): TensorEncoder {
  let seed = 1;
  return (name, values, ne) => {
    if (!isLinearWeight(name)) return { type: 'F32', data: f32Bytes(values) };
    const fits = ne[0] % (isKQuantType(SOURCE_TYPES[type]) ? K_BLOCK_VALUES : QUANT_BLOCK_VALUES) === 0;
    const stored: GgmlTypeName = fits ? type : 'Q8_0';
    const source = SOURCE_TYPES[stored];
    const data = blocksOf(source, values.length, seed++);
    expected.set(name, isKQuantType(source) ? dequantizeK(source, data) : dequantize(source as QuantizedType, data));
    return { type: stored, data };
  };
}

const GGML_NAMES: Readonly<Record<string, GgmlTypeName>> = {
  f16: 'F16',
  q4_0: 'Q4_0',
  q4_1: 'Q4_1',
  q5_0: 'Q5_0',
  q5_1: 'Q5_1',
  q8_0: 'Q8_0',
};

/** Linear weights with the `.bin`'s own blocks (as a GGUF of that type holds them), the rest f32. */
export async function binBlocks(file: Uint8Array): Promise<TensorEncoder> {
  const records = new Map<string, { type: string; data: Uint8Array }>();
  for (const record of (await readRecords(file)).records) {
    records.set(record.name, { type: record.dataType, data: record.data });
  }
  return (name, values) => {
    const record = records.get(name);
    if (record === undefined || !isLinearWeight(name) || record.type === 'f32') {
      return { type: 'F32', data: f32Bytes(values) };
    }
    return { type: GGML_NAMES[record.type], data: record.data };
  };
}
