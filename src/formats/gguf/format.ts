/**
 * The GGUF container (llama.cpp's gguf-py/gguf/constants.py and ggml/src/gguf.cpp), versions 2 and 3, little-endian:
 *
 *   magic "GGUF" | version u32 | tensor_count u64 | metadata_kv_count u64
 *   metadata     key (string) | value_type u32 | value                       … kv_count times
 *   tensor infos name (string) | n_dims u32 | ne[n_dims] u64 (innermost first) | ggml_type u32 | offset u64
 *   padding to `general.alignment` (default 32), then the data: each tensor at data start + its offset
 *
 * A string is a u64 byte length and UTF-8 bytes; an array is an element type u32, a u64 count and the elements.
 * This module holds the numbers of the format and the limits the reader enforces before it allocates anything.
 */
import type { SourceType } from '../../model/spec.js';

/** "GGUF" read as a little-endian u32. */
export const GGUF_MAGIC = 0x46554747;
export const GGUF_VERSIONS: readonly number[] = [2, 3];
export const GGUF_DEFAULT_ALIGNMENT = 32;

export const GGUF_LIMITS = {
  /** RWKV models have ~20 tensors per layer; a split part holds a subset. */
  tensors: 1 << 16,
  metadata: 1 << 16,
  /** Any key, tensor name or string value (chat templates are a few KiB). */
  stringBytes: 1 << 20,
  /** Elements of one metadata array (a vocabulary has 65536 tokens; BPE merges of other models up to ~300k). */
  arrayElements: 1 << 20,
  dims: 4,
  /** Every byte of the header together (the World vocabulary takes ~1 MiB). */
  headerBytes: 64 << 20,
} as const;

/** Metadata value types. */
export enum GgufValueType {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
}

export type GgufValue = number | bigint | boolean | string | GgufArray;

export interface GgufArray {
  type: GgufValueType;
  values: readonly GgufValue[];
}

/**
 * ggml tensor types by id. `source` is how this library reads one; the others are refused by name. Ids 4, 5 and
 * 31–33 were removed from ggml and never appear in a GGUF file.
 */
export const GGML_TYPES: Readonly<Record<number, { name: string; source?: SourceType }>> = {
  0: { name: 'F32', source: 'f32' },
  1: { name: 'F16', source: 'f16' },
  2: { name: 'Q4_0', source: 'q4_0' },
  3: { name: 'Q4_1', source: 'q4_1' },
  6: { name: 'Q5_0', source: 'q5_0' },
  7: { name: 'Q5_1', source: 'q5_1' },
  8: { name: 'Q8_0', source: 'q8_0' },
  9: { name: 'Q8_1' },
  10: { name: 'Q2_K', source: 'q2_k' },
  11: { name: 'Q3_K', source: 'q3_k' },
  12: { name: 'Q4_K', source: 'q4_k' },
  13: { name: 'Q5_K', source: 'q5_k' },
  14: { name: 'Q6_K', source: 'q6_k' },
  15: { name: 'Q8_K' },
  16: { name: 'IQ2_XXS' },
  17: { name: 'IQ2_XS' },
  18: { name: 'IQ3_XXS' },
  19: { name: 'IQ1_S' },
  20: { name: 'IQ4_NL' },
  21: { name: 'IQ3_S' },
  22: { name: 'IQ2_S' },
  23: { name: 'IQ4_XS' },
  24: { name: 'I8' },
  25: { name: 'I16' },
  26: { name: 'I32' },
  27: { name: 'I64' },
  28: { name: 'F64' },
  29: { name: 'IQ1_M' },
  30: { name: 'BF16', source: 'bf16' },
  34: { name: 'TQ1_0' },
  35: { name: 'TQ2_0' },
  39: { name: 'MXFP4' },
};

/** The GGUF name of a type this library reads (for messages). */
export function ggmlTypeName(type: SourceType): string {
  return Object.values(GGML_TYPES).find((entry) => entry.source === type)?.name ?? type;
}
