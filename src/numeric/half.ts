/**
 * Half-precision conversions: IEEE 754 binary16 (f16) and bfloat16 (bf16) bits to f32 values, and f32 values to f16
 * bits with round-to-nearest-even (for packing weights as f16 pairs in GPU buffers). Byte arrays are little-endian.
 */

const F32_SCRATCH = new Float32Array(1);
const U32_SCRATCH = new Uint32Array(F32_SCRATCH.buffer);

/** The value of one f16 bit pattern (NaN payloads are not preserved). */
export function f16BitsToF32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1024 + fraction) * 2 ** (exponent - 25);
}

let f16Table: Float32Array | undefined;

/** All 65536 f16 values, indexed by bit pattern (built on first use, 256 KiB). */
export function f16ValueTable(): Float32Array {
  if (f16Table === undefined) {
    f16Table = new Float32Array(0x10000);
    for (let bits = 0; bits < 0x10000; bits++) f16Table[bits] = f16BitsToF32(bits);
  }
  return f16Table;
}

/** Decodes `bytes` (little-endian f16, an even number of bytes) to f32 values. */
export function decodeF16(bytes: Uint8Array): Float32Array {
  const table = f16ValueTable();
  const out = new Float32Array(bytes.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = table[bytes[2 * i] | (bytes[2 * i + 1] << 8)];
  return out;
}

/** The value of one bf16 bit pattern (the upper half of an f32). */
export function bf16BitsToF32(bits: number): number {
  U32_SCRATCH[0] = (bits & 0xffff) << 16;
  return F32_SCRATCH[0];
}

/** Decodes `bytes` (little-endian bf16, an even number of bytes) to f32 values. */
export function decodeBF16(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length >> 1);
  const outBits = new Uint32Array(out.buffer);
  for (let i = 0; i < out.length; i++) outBits[i] = ((bytes[2 * i] | (bytes[2 * i + 1] << 8)) << 16) >>> 0;
  return out;
}

/** Rounds `mantissa / 2^shift` to the nearest integer, ties to even. */
function roundShiftEven(mantissa: number, shift: number): number {
  const kept = mantissa >>> shift;
  const rest = mantissa & ((1 << shift) - 1);
  const halfway = 1 << (shift - 1);
  return rest > halfway || (rest === halfway && (kept & 1) === 1) ? kept + 1 : kept;
}

/**
 * The f16 bit pattern nearest to `value` (first rounded to f32), ties to even; overflow gives ±Infinity, values
 * below half the smallest subnormal give ±0, NaN gives a quiet NaN.
 */
export function f32ToF16Bits(value: number): number {
  F32_SCRATCH[0] = value;
  const bits = U32_SCRATCH[0];
  const sign = (bits >>> 16) & 0x8000;
  const f32Exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (f32Exponent === 0xff) return sign | 0x7c00 | (mantissa === 0 ? 0 : 0x200);
  const exponent = f32Exponent - 127 + 15;
  if (exponent >= 0x1f) return sign | 0x7c00;
  if (exponent <= 0) {
    if (exponent < -10) return sign;
    // Subnormal f16: the implicit leading 1 becomes explicit; a carry into 0x400 yields the smallest normal.
    return sign | roundShiftEven(mantissa | 0x800000, 14 - exponent);
  }
  // A carry out of the mantissa increments the exponent; out of the largest exponent it yields Infinity.
  return sign | ((exponent << 10) + roundShiftEven(mantissa, 13));
}

/** Encodes f32 values as little-endian f16 bytes (round to nearest even). */
export function encodeF16(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  for (let i = 0; i < values.length; i++) {
    const bits = f32ToF16Bits(values[i]);
    out[2 * i] = bits & 0xff;
    out[2 * i + 1] = bits >>> 8;
  }
  return out;
}
