/**
 * Byte sizes and f32 decoding of tensor data in every source type (f32, f16, bf16, ggml quantized blocks), shared
 * by the format readers. Multi-byte values are little-endian, as in every supported file format and on every
 * platform WebGPU runs on.
 */
import type { SourceType } from '../model/spec.js';
import { bf16BitsToF32, decodeBF16, decodeF16, f16BitsToF32 } from './half.js';
import {
  QUANT_BLOCK_BYTES,
  QUANT_BLOCK_VALUES,
  dequantize,
  isQuantizedType,
  quantizedByteLength,
} from './quantized.js';

const BYTES_PER_VALUE: Readonly<Record<'f32' | 'f16' | 'bf16', number>> = { f32: 4, f16: 2, bf16: 2 };

/** Bytes taken by `elementCount` values of `type` (for quantized types a multiple of 32 values). */
export function tensorByteLength(type: SourceType, elementCount: number): number {
  return isQuantizedType(type) ? quantizedByteLength(type, elementCount) : elementCount * BYTES_PER_VALUE[type];
}

/** Whether a row of `rowLength` values can be stored as `type` (quantized rows are whole 32-value blocks). */
export function rowFitsType(type: SourceType, rowLength: number): boolean {
  return !isQuantizedType(type) || rowLength % QUANT_BLOCK_VALUES === 0;
}

/** Decodes `bytes` of `type` to f32 values; f32 data is viewed in place when aligned. */
export function decodeTensorData(type: SourceType, bytes: Uint8Array): Float32Array {
  if (type === 'f32') {
    const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
    return new Float32Array(aligned.buffer, aligned.byteOffset, aligned.length >> 2);
  }
  if (type === 'f16') return decodeF16(bytes);
  if (type === 'bf16') return decodeBF16(bytes);
  return dequantize(type, bytes);
}

/** Value `index` of `bytes` of `type`, decoded alone (a quantized value: its block). */
export function valueAt(type: SourceType, bytes: Uint8Array, index: number): number {
  if (isQuantizedType(type)) {
    const block = Math.floor(index / QUANT_BLOCK_VALUES);
    const blockBytes = QUANT_BLOCK_BYTES[type];
    return dequantize(type, bytes.subarray(block * blockBytes, (block + 1) * blockBytes))[index % QUANT_BLOCK_VALUES];
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (type === 'f32') return view.getFloat32(index * 4, true);
  const bits = view.getUint16(index * 2, true);
  return type === 'f16' ? f16BitsToF32(bits) : bf16BitsToF32(bits);
}
