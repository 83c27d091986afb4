/**
 * Tensor values as checkpoint files store them (f32, f16, bf16 little-endian), for the test writers of `.pth` and
 * safetensors files. Kept apart from write-pth.ts (which needs node:zlib) so that browser tests can write files.
 */
import { decodeF16, encodeF16 } from '../../src/numeric/half.js';

export type OfficialType = 'f32' | 'f16' | 'bf16';

/** Little-endian bytes of `values` as `type` (f16 and bf16 rounded to nearest even). */
export function encodeValues(values: Float32Array, type: OfficialType): Uint8Array {
  if (type === 'f16') return encodeF16(values);
  if (type === 'f32') return new Uint8Array(values.slice().buffer);
  const bits = new Uint32Array(values.slice().buffer);
  const out = new Uint8Array(values.length * 2);
  bits.forEach((word, i) => {
    const rounded = (word + 0x7fff + ((word >>> 16) & 1)) >>> 16;
    out[2 * i] = rounded & 0xff;
    out[2 * i + 1] = rounded >>> 8;
  });
  return out;
}

/** `values` as stored in `type` and read back: what a reader must return for untransformed tensors. */
export function roundToType(values: Float32Array, type: OfficialType): Float32Array {
  if (type === 'f32') return values.slice();
  const bytes = encodeValues(values, type);
  if (type === 'f16') return decodeF16(bytes);
  const out = new Float32Array(values.length);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < out.length; i++) bits[i] = ((bytes[2 * i] | (bytes[2 * i + 1] << 8)) << 16) >>> 0;
  return out;
}
