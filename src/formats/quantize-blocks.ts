/**
 * Encoders of ggml's Q8_0 and Q4_0 blocks (layouts in quantized.ts), with ggml's own rounding, so that a writer can
 * store f32 rows as an rwkv.cpp file would hold them (synthetic quantized models for tests and the bench):
 *   Q8_0: d = max|x| / 127,  q = round(x / d)   (halves away from zero, as C's roundf)
 *   Q4_0: m = the value of largest magnitude (with its sign), d = m / −8,  q = min(15, trunc(x / d + 8.5))
 * Each block's d is stored as f16 and the q are computed from the f32 d before that rounding, as ggml does.
 */
import { encodeF16 } from './half.js';
import { QUANT_BLOCK_BYTES, QUANT_BLOCK_VALUES } from './quantized.js';

export type BlockEncodedType = 'q8_0' | 'q4_0';

/** The blocks of `values` (a multiple of 32 of them, rows back to back). */
export function quantizeBlocks(type: BlockEncodedType, values: Float32Array): Uint8Array {
  if (values.length % QUANT_BLOCK_VALUES !== 0) {
    throw new RangeError(`${type} needs a multiple of ${QUANT_BLOCK_VALUES} values, not ${values.length}`);
  }
  const blockBytes = QUANT_BLOCK_BYTES[type];
  const blocks = values.length / QUANT_BLOCK_VALUES;
  const out = new Uint8Array(blocks * blockBytes);
  const scales = new Float32Array(1);
  for (let block = 0; block < blocks; block++) {
    const x = values.subarray(block * QUANT_BLOCK_VALUES, (block + 1) * QUANT_BLOCK_VALUES);
    const at = block * blockBytes;
    let extreme = 0;
    for (const value of x) if (Math.abs(value) > Math.abs(extreme)) extreme = value;
    scales[0] = type === 'q8_0' ? Math.abs(extreme) / 127 : extreme / -8;
    const d = scales[0];
    const inverse = d === 0 ? 0 : 1 / d;
    out.set(encodeF16(scales), at);
    if (type === 'q8_0') {
      for (let j = 0; j < QUANT_BLOCK_VALUES; j++) out[at + 2 + j] = roundHalfAway(x[j] * inverse) & 0xff;
    } else {
      const half = QUANT_BLOCK_VALUES / 2;
      for (let j = 0; j < half; j++) {
        const low = Math.min(15, Math.trunc(x[j] * inverse + 8.5));
        const high = Math.min(15, Math.trunc(x[j + half] * inverse + 8.5));
        out[at + 2 + j] = low | (high << 4);
      }
    }
  }
  return out;
}

function roundHalfAway(value: number): number {
  return Math.sign(value) * Math.round(Math.abs(value));
}
