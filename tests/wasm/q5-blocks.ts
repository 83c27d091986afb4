/**
 * Q5_0 and Q5_1 blocks for the tests' synthetic models (the project's encoders write Q8_0, Q4_0 and Q4_1 only):
 * round to nearest on a plain scale, d = max|x| / 16 (Q5_0: value (q − 16)·d) or d = (max − min) / 31, m = min (Q5_1:
 * value q·d + m). The tests compare backends over the same bytes, which the oracle dequantizes exactly
 * (src/formats/quantized.ts), so any valid encoding serves; this one keeps the weights near the model's own.
 */
import { f16ValueTable, f32ToF16Bits } from '../../src/numeric/half.js';

export type Q5Type = 'q5_0' | 'q5_1';

/** The blocks of `type` for `values` (a whole number of 32-value blocks). */
export function quantizeQ5(type: Q5Type, values: Float32Array): Uint8Array {
  const withMinimum = type === 'q5_1';
  const blockBytes = withMinimum ? 24 : 22;
  const out = new Uint8Array((values.length / 32) * blockBytes);
  const view = new DataView(out.buffer);
  for (let block = 0; block < values.length / 32; block++) {
    const x = values.subarray(block * 32, block * 32 + 32);
    const at = block * blockBytes;
    const [low, high] = [Math.min(...x), Math.max(...x)];
    const scale = withMinimum ? (high - low) / 31 : Math.max(-low, high) / 16;
    const d = storeF16(view, at, scale);
    const m = withMinimum ? storeF16(view, at + 2, low) : -16 * d;
    let qh = 0;
    const codesAt = at + (withMinimum ? 8 : 6);
    for (let j = 0; j < 32; j++) {
      const q = d === 0 ? 0 : Math.min(31, Math.max(0, Math.round((x[j] - m) / d)));
      qh |= (q >> 4) << j;
      out[codesAt + (j & 15)] |= (q & 15) << (j < 16 ? 0 : 4);
    }
    view.setUint32(at + (withMinimum ? 4 : 2), qh >>> 0, true);
  }
  return out;
}

/** Writes `value` as f16 at `at` (little-endian) and returns the stored value. */
function storeF16(view: DataView, at: number, value: number): number {
  const bits = f32ToF16Bits(value);
  view.setUint16(at, bits, true);
  return f16ValueTable()[bits];
}
