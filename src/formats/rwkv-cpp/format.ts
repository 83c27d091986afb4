/**
 * Facts of rwkv.cpp's `.bin` model format (docs/formats.md): the file header, the data-type ids, and the limits
 * this project enforces on the sizes a file declares, so that hostile headers are rejected before anything is
 * allocated.
 *
 *   header: int32 magic 0x67676d66, version (100 | 101), n_vocab, n_embed, n_layer, data_type   (little-endian)
 *   tensor: int32 dim_count (1–3), key_length, data_type; int32 dims[dim_count] (ggml order, ne0 first);
 *           key (UTF-8); data. Tensors follow each other until the end of the file, without alignment.
 */
import { ModelFormatError } from '../../errors.js';
import type { SourceType } from '../../model/spec.js';
import { isQuantizedType } from '../quantized.js';
import type { KQuantType } from '../k-quants.js';

export const RWKV_CPP_MAGIC = 0x67676d66;
export const RWKV_CPP_HEADER_BYTES = 24;
export const RWKV_CPP_VERSIONS: readonly number[] = [100, 101];
/** Quantized data in version 100 files uses block layouts that ggml removed; only 101 files may hold it. */
const RWKV_CPP_QUANTIZED_MIN_VERSION = 101;

/** The source types a `.bin` file can hold. */
export type RwkvCppDataType = Exclude<SourceType, 'bf16' | KQuantType>;

export const RWKV_CPP_TYPE_IDS: Readonly<Record<RwkvCppDataType, number>> = {
  f32: 0,
  f16: 1,
  q4_0: 2,
  q4_1: 3,
  q5_0: 7,
  q5_1: 8,
  q8_0: 9,
};

/** Ids 4–6 were ggml formats that rwkv.cpp dropped; files using them must be re-quantized. */
const REMOVED_TYPE_NAMES: Readonly<Record<number, string>> = { 4: 'Q4_1_O', 5: 'Q4_2', 6: 'Q4_3' };

export interface RwkvCppHeader {
  version: number;
  nVocab: number;
  nEmbed: number;
  nLayer: number;
  /** The file's declared dominant type. */
  dataType: RwkvCppDataType;
}

/** One tensor exactly as stored: ggml dims (ne0 first) and the raw data bytes. */
export interface RwkvCppRecord {
  name: string;
  dims: readonly number[];
  dataType: RwkvCppDataType;
  data: Uint8Array;
}

/** Limits on declared sizes; real models are far below them (RWKV-7 2.9B: V 65536, C 2560, 32 layers). */
export const RWKV_CPP_LIMITS = {
  maxVocab: 1 << 20,
  maxEmbed: 1 << 16,
  maxLayer: 1 << 10,
  maxKeyBytes: 1024,
  maxDimCount: 3,
  /** Tensors per layer stay below this in every generation (v7 has 31). */
  maxTensorsPerLayer: 64,
  /** No tensor has more than this many times n_embed rows (real FFNs have 4·n_embed at most). */
  maxWidthPerEmbed: 16,
} as const;

/** Largest element count a tensor of a model with this header can have: the embedding or the FFN matrices. */
export function maxTensorElements(header: RwkvCppHeader): number {
  return Math.max(header.nVocab, RWKV_CPP_LIMITS.maxWidthPerEmbed * header.nEmbed) * header.nEmbed;
}

/** Largest number of tensors a file with this header can hold. */
export function maxTensorCount(header: RwkvCppHeader): number {
  return RWKV_CPP_LIMITS.maxTensorsPerLayer * (header.nLayer + 1);
}

/** The data type of an id, or a ModelFormatError saying why it cannot be read (`where` names the field). */
export function dataTypeFromId(id: number, version: number, where: string): RwkvCppDataType {
  const removed = REMOVED_TYPE_NAMES[id];
  if (removed !== undefined) {
    throw new ModelFormatError(
      `${where}: data type ${id} (${removed}) was removed from rwkv.cpp; re-quantize the model from its FP32/FP16 file`,
    );
  }
  const entry = Object.entries(RWKV_CPP_TYPE_IDS).find(([, typeId]) => typeId === id);
  if (entry === undefined) {
    throw new ModelFormatError(`${where}: unknown data type ${id} (known: 0 FP32, 1 FP16, 2, 3, 7, 8, 9 quantized)`);
  }
  const type = entry[0] as RwkvCppDataType;
  if (isQuantizedType(type) && version < RWKV_CPP_QUANTIZED_MIN_VERSION) {
    throw new ModelFormatError(
      `${where}: ${type.toUpperCase()} data in a version ${version} file uses an obsolete block layout; ` +
        `re-quantize the model with a current rwkv.cpp`,
    );
  }
  return type;
}
