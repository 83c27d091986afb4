/**
 * Exact dequantization of ggml's block-quantized types, as stored in rwkv.cpp `.bin` files (format version 101).
 *
 * A block holds 32 consecutive values along a row (ne0, the input dimension). Every block starts with an f16 scale
 * d; Q4_1 / Q5_1 follow it with an f16 minimum m; Q5 types then hold a little-endian u32 `qh` with the fifth bit of
 * each value; then the low bits: 16 bytes of nibble pairs (Q4/Q5: byte j holds value j in its low nibble and value
 * j + 16 in its high nibble; Q5 adds bit j resp. bit j + 16 of qh as bit 4), or 32 int8 values (Q8_0).
 *
 *   Q4_0: (q − 8)·d    Q4_1: q·d + m    Q5_0: (q − 16)·d    Q5_1: q·d + m    Q8_0: q·d
 *
 * Results are rounded once to f32, which equals ggml's f32 arithmetic (q·d is exact in both).
 */
import type { SourceType } from '../model/spec.js';
import { f16ValueTable } from '../numeric/half.js';

export type QuantizedType = 'q4_0' | 'q4_1' | 'q5_0' | 'q5_1' | 'q8_0';

/** Values per block. */
export const QUANT_BLOCK_VALUES = 32;

/** Bytes per block of each type. */
export const QUANT_BLOCK_BYTES: Readonly<Record<QuantizedType, number>> = {
  q4_0: 18,
  q4_1: 20,
  q5_0: 22,
  q5_1: 24,
  q8_0: 34,
};

export function isQuantizedType(type: SourceType): type is QuantizedType {
  return Object.hasOwn(QUANT_BLOCK_BYTES, type);
}

/** Bytes taken by `elementCount` values (a multiple of 32) of a quantized type. */
export function quantizedByteLength(type: QuantizedType, elementCount: number): number {
  return (elementCount / QUANT_BLOCK_VALUES) * QUANT_BLOCK_BYTES[type];
}

/** Decodes whole blocks of `type` from `bytes` (whose length must be a multiple of the block size). */
export function dequantize(type: QuantizedType, bytes: Uint8Array): Float32Array {
  const out = new Float32Array(wholeBlocks(type, bytes, QUANT_BLOCK_BYTES[type]) * QUANT_BLOCK_VALUES);
  if (type === 'q8_0') dequantizeQ8_0(bytes, out);
  else dequantizeNibbles(bytes, out, type === 'q4_1' || type === 'q5_1', type === 'q5_0' || type === 'q5_1');
  return out;
}

/** The number of `blockBytes`-byte blocks in `bytes`; throws unless it is a whole number (ggml's types, K-quants too). */
export function wholeBlocks(type: string, bytes: Uint8Array, blockBytes: number): number {
  if (bytes.length % blockBytes !== 0) {
    throw new RangeError(`${type} data of ${bytes.length} bytes is not a whole number of ${blockBytes}-byte blocks`);
  }
  return bytes.length / blockBytes;
}

function dequantizeQ8_0(bytes: Uint8Array, out: Float32Array): void {
  const f16 = f16ValueTable();
  const blockBytes = QUANT_BLOCK_BYTES.q8_0;
  for (let block = 0, at = 0; at < bytes.length; block++, at += blockBytes) {
    const d = f16[bytes[at] | (bytes[at + 1] << 8)];
    const base = block * QUANT_BLOCK_VALUES;
    for (let j = 0; j < QUANT_BLOCK_VALUES; j++) out[base + j] = ((bytes[at + 2 + j] << 24) >> 24) * d;
  }
}

/** Q4_0, Q4_1, Q5_0, Q5_1: `hasMin` says whether an f16 m follows d, `fiveBit` whether a u32 qh follows. */
function dequantizeNibbles(bytes: Uint8Array, out: Float32Array, hasMin: boolean, fiveBit: boolean): void {
  const f16 = f16ValueTable();
  const qhAt = hasMin ? 4 : 2;
  const qsAt = qhAt + (fiveBit ? 4 : 0);
  const blockBytes = qsAt + QUANT_BLOCK_VALUES / 2;
  const zeroPoint = fiveBit ? 16 : 8;
  for (let block = 0, at = 0; at < bytes.length; block++, at += blockBytes) {
    const d = f16[bytes[at] | (bytes[at + 1] << 8)];
    const offset = hasMin ? f16[bytes[at + 2] | (bytes[at + 3] << 8)] : -zeroPoint * d;
    const qh = fiveBit
      ? (bytes[at + qhAt] |
          (bytes[at + qhAt + 1] << 8) |
          (bytes[at + qhAt + 2] << 16) |
          (bytes[at + qhAt + 3] << 24)) >>>
        0
      : 0;
    const base = block * QUANT_BLOCK_VALUES;
    for (let j = 0; j < QUANT_BLOCK_VALUES / 2; j++) {
      const packed = bytes[at + qsAt + j];
      const low = (packed & 0x0f) | (((qh >>> j) & 1) << 4);
      const high = (packed >>> 4) | (((qh >>> (j + 16)) & 1) << 4);
      out[base + j] = low * d + offset;
      out[base + j + 16] = high * d + offset;
    }
  }
}
