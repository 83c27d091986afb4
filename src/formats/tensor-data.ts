/**
 * Byte sizes and f32 decoding of tensor data in every source type (f32, f16, bf16, ggml quantized blocks and K-quant
 * super-blocks), shared
 * by the format readers. Multi-byte values are little-endian, as in every supported file format and on every
 * platform WebGPU runs on.
 */
import type { SourceType } from '../model/spec.js';
import { bf16BitsToF32, decodeBF16, decodeF16, f16BitsToF32 } from '../numeric/half.js';
import { K_BLOCK_BYTES, K_BLOCK_VALUES, dequantizeK, isKQuantType, kQuantByteLength } from './k-quants.js';
import {
  QUANT_BLOCK_BYTES,
  QUANT_BLOCK_VALUES,
  dequantize,
  isQuantizedType,
  quantizedByteLength,
} from './quantized.js';

const BYTES_PER_VALUE: Readonly<Record<'f32' | 'f16' | 'bf16', number>> = { f32: 4, f16: 2, bf16: 2 };

/** Bytes taken by `elementCount` values of `type` (a whole number of blocks for quantized types). */
export function tensorByteLength(type: SourceType, elementCount: number): number {
  if (isQuantizedType(type)) return quantizedByteLength(type, elementCount);
  return isKQuantType(type) ? kQuantByteLength(type, elementCount) : elementCount * BYTES_PER_VALUE[type];
}

/** Values per block of `type` (1 for plain floats). */
export function blockValues(type: SourceType): number {
  if (isQuantizedType(type)) return QUANT_BLOCK_VALUES;
  return isKQuantType(type) ? K_BLOCK_VALUES : 1;
}

/** Whether a row of `rowLength` values can be stored as `type` (quantized rows are whole blocks: 32 or 256 values). */
export function rowFitsType(type: SourceType, rowLength: number): boolean {
  return rowLength % blockValues(type) === 0;
}

/** Decodes `bytes` of `type` to f32 values; f32 data is viewed in place when aligned. */
export function decodeTensorData(type: SourceType, bytes: Uint8Array): Float32Array {
  if (type === 'f32') {
    const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
    return new Float32Array(aligned.buffer, aligned.byteOffset, aligned.length >> 2);
  }
  if (type === 'f16') return decodeF16(bytes);
  if (type === 'bf16') return decodeBF16(bytes);
  return isKQuantType(type) ? dequantizeK(type, bytes) : dequantize(type, bytes);
}

/** Value `index` of `bytes` of `type`, decoded alone (a quantized value: its block). */
export function valueAt(type: SourceType, bytes: Uint8Array, index: number): number {
  if (isQuantizedType(type) || isKQuantType(type)) {
    const values = blockValues(type);
    const block = Math.floor(index / values);
    const blockBytes = isKQuantType(type) ? K_BLOCK_BYTES[type] : QUANT_BLOCK_BYTES[type];
    return decodeTensorData(type, bytes.subarray(block * blockBytes, (block + 1) * blockBytes))[index % values];
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (type === 'f32') return view.getFloat32(index * 4, true);
  const bits = view.getUint16(index * 2, true);
  return type === 'f16' ? f16BitsToF32(bits) : bf16BitsToF32(bits);
}
