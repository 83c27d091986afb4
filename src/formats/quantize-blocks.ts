/**
 * Block encoders: f32 values → ggml blocks of 32 consecutive values along a row, in the byte layout of rwkv.cpp's
 * `.bin` files (decoded by quantized.ts). The load-time quantization (src/quantize/) and the rwkv.cpp writer both
 * use them, so that a matrix quantized at load and one read from a quantized file take the same path to the GPU.
 *
 *   Q8_0: d = max|x| / 127,                                   q = round(x / d) ∈ [−127, 127],      x ≈ q·d
 *   Q4_0: d = x_m / −8 (x_m: the value of largest |x|),       q = min(15, trunc(x / d + 8.5)),     x ≈ (q − 8)·d
 *   Q4_1: d = (max − min) / 15, m = min,                       q = min(15, trunc((x − m) / d + 0.5)), x ≈ q·d + m
 *
 * d and m are stored as f16. Q8_0 and Q4_0 compute their codes from the f32 d in f32 arithmetic (Math.fround) with
 * ggml's own rounding (round: halves away from zero), so their blocks are byte for byte what rwkv.cpp's quantizer
 * writes. Q4_1 computes its codes against
 * the stored d and m, then refits them by least squares over the block (writeQ4_1): the format is Q4_1's, the error
 * lower than ggml's. A block of zeros gets d = 0. A NaN
 * or ±Infinity cannot be held by any block format (its block's scale would be non-finite): such a value, or a block
 * whose scale overflows f16, is refused with a ModelFormatError naming `what` and the value's index.
 */
import { ModelFormatError } from '../errors.js';
import { f16ValueTable, f32ToF16Bits } from '../numeric/half.js';
import { QUANT_BLOCK_BYTES, QUANT_BLOCK_VALUES } from './quantized.js';

/** The block types these encoders write. */
export type EncodedBlockType = 'q8_0' | 'q4_0' | 'q4_1';

/**
 * Quantizes `values` (a whole number of 32-value blocks: whole rows whose length is a multiple of 32) into blocks of
 * `type`. `what` names the values in errors (e.g. the tensor and its rows).
 */
export function quantizeBlocks(type: EncodedBlockType, values: Float32Array, what = 'values'): Uint8Array {
  if (values.length % QUANT_BLOCK_VALUES !== 0) {
    throw new RangeError(`${what}: ${values.length} values are not whole ${QUANT_BLOCK_VALUES}-value blocks`);
  }
  const out = new Uint8Array((values.length / QUANT_BLOCK_VALUES) * QUANT_BLOCK_BYTES[type]);
  const writeBlock = BLOCK_WRITERS[type];
  for (let block = 0; block < values.length / QUANT_BLOCK_VALUES; block++) {
    writeBlock(values, block * QUANT_BLOCK_VALUES, out, block * QUANT_BLOCK_BYTES[type], what);
  }
  return out;
}

type BlockWriter = (values: Float32Array, first: number, out: Uint8Array, at: number, what: string) => void;

const BLOCK_WRITERS: Readonly<Record<EncodedBlockType, BlockWriter>> = {
  q8_0: writeQ8_0,
  q4_0: writeQ4_0,
  q4_1: writeQ4_1,
};

/** Rounds to the nearest integer, halves away from zero (C's roundf, as ggml). */
function roundAway(value: number): number {
  return Math.sign(value) * Math.round(Math.abs(value));
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

/** Throws when a value of the block is NaN or ±Infinity. */
function checkFinite(values: Float32Array, first: number, what: string): void {
  for (let i = first; i < first + QUANT_BLOCK_VALUES; i++) {
    if (!Number.isFinite(values[i])) {
      throw new ModelFormatError(
        `${what}: value ${i} is ${values[i]}; quantized weights can hold only finite values (the file is damaged)`,
      );
    }
  }
}

/** Stores `value` as f16 at `out[at]`, little-endian, and returns the stored value; refuses an f16 overflow. */
function storeF16(value: number, out: Uint8Array, at: number, what: string, first: number): number {
  const bits = f32ToF16Bits(value);
  const stored = f16ValueTable()[bits];
  if (!Number.isFinite(stored)) {
    throw new ModelFormatError(
      `${what}: the block at value ${first} needs a scale of ${value}, beyond f16's range; it cannot be quantized`,
    );
  }
  out[at] = bits & 0xff;
  out[at + 1] = bits >>> 8;
  return stored;
}

function writeQ8_0(values: Float32Array, first: number, out: Uint8Array, at: number, what: string): void {
  checkFinite(values, first, what);
  let absMax = 0;
  for (let i = first; i < first + QUANT_BLOCK_VALUES; i++) absMax = Math.max(absMax, Math.abs(values[i]));
  const d = Math.fround(absMax / 127);
  storeF16(d, out, at, what, first);
  const inverse = d === 0 ? 0 : Math.fround(1 / d);
  for (let j = 0; j < QUANT_BLOCK_VALUES; j++) {
    out[at + 2 + j] = clamp(roundAway(Math.fround(values[first + j] * inverse)), -127, 127) & 0xff;
  }
}

/** Writes 32 codes in [0, 15] as 16 bytes of nibble pairs: byte j holds code j (low) and code j + 16 (high). */
function writeNibbles(codes: Uint8Array, out: Uint8Array, at: number): void {
  const half = QUANT_BLOCK_VALUES / 2;
  for (let j = 0; j < half; j++) out[at + j] = codes[j] | (codes[j + half] << 4);
}

const CODES = new Uint8Array(QUANT_BLOCK_VALUES);

function writeQ4_0(values: Float32Array, first: number, out: Uint8Array, at: number, what: string): void {
  checkFinite(values, first, what);
  let extreme = 0;
  for (let i = first; i < first + QUANT_BLOCK_VALUES; i++) {
    if (Math.abs(values[i]) > Math.abs(extreme)) extreme = values[i];
  }
  const d = Math.fround(extreme / -8);
  storeF16(d, out, at, what, first);
  const inverse = d === 0 ? 0 : Math.fround(1 / d);
  for (let j = 0; j < QUANT_BLOCK_VALUES; j++) {
    CODES[j] = Math.min(15, Math.trunc(Math.fround(Math.fround(values[first + j] * inverse) + 8.5)));
  }
  writeNibbles(CODES, out, at + 2);
}

/** Codes of a Q4_1 block for scale d and minimum m, into CODES; returns the block's squared error. */
function q4_1Codes(values: Float32Array, first: number, d: number, m: number): number {
  const inverse = d === 0 ? 0 : 1 / d;
  let error = 0;
  for (let j = 0; j < QUANT_BLOCK_VALUES; j++) {
    const value = values[first + j];
    CODES[j] = clamp(roundAway((value - m) * inverse), 0, 15);
    error += (value - (CODES[j] * d + m)) ** 2;
  }
  return error;
}

/** The f16 value nearest to `value` (±Infinity beyond f16's range). */
function nearestF16(value: number): number {
  return f16ValueTable()[f32ToF16Bits(value)];
}

/**
 * Q4_1 starts from d = (max − min) / 15, m = min, then refits: the least-squares line through (code, value) gives a
 * new d and m, the codes are recomputed, and the fit is kept while the block's squared error falls (at most
 * Q4_1_REFITS times). Every step either lowers the error or stops, so the result is never worse than min / max.
 */
const Q4_1_REFITS = 4;

function writeQ4_1(values: Float32Array, first: number, out: Uint8Array, at: number, what: string): void {
  checkFinite(values, first, what);
  let min = Infinity;
  let max = -Infinity;
  for (let i = first; i < first + QUANT_BLOCK_VALUES; i++) {
    min = Math.min(min, values[i]);
    max = Math.max(max, values[i]);
  }
  const d = storeF16((max - min) / 15, out, at, what, first);
  const m = storeF16(min, out, at + 2, what, first);
  let error = q4_1Codes(values, first, d, m);
  const best = CODES.slice();
  for (let refit = 0; refit < Q4_1_REFITS && error > 0; refit++) {
    let sumCode = 0;
    let sumCode2 = 0;
    let sumValue = 0;
    let sumCodeValue = 0;
    for (let j = 0; j < QUANT_BLOCK_VALUES; j++) {
      const value = values[first + j];
      sumCode += best[j];
      sumCode2 += best[j] * best[j];
      sumValue += value;
      sumCodeValue += best[j] * value;
    }
    const determinant = QUANT_BLOCK_VALUES * sumCode2 - sumCode * sumCode;
    if (determinant === 0) break;
    const fitD = nearestF16((QUANT_BLOCK_VALUES * sumCodeValue - sumCode * sumValue) / determinant);
    const fitM = nearestF16((sumValue - fitD * sumCode) / QUANT_BLOCK_VALUES);
    if (!(fitD > 0) || !Number.isFinite(fitM)) break;
    const fitError = q4_1Codes(values, first, fitD, fitM);
    if (!(fitError < error)) break;
    storeF16(fitD, out, at, what, first);
    storeF16(fitM, out, at + 2, what, first);
    error = fitError;
    best.set(CODES);
  }
  writeNibbles(best, out, at + 4);
}
