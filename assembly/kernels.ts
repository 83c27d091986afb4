/**
 * The fast CPU backend's kernels (AssemblyScript → WebAssembly with SIMD128), compiled by `npm run build:wasm` into
 * src/wasm/kernels-wasm.ts. Every function works on raw addresses in the module's (imported) memory; the
 * caller (src/wasm/) owns the layout above `staticDataEnd()`. Nothing here allocates.
 *
 * Weight formats (the `format` argument), a matrix being [rows, cols] row-major, rows of whole blocks:
 *   0 f32   4 bytes a value
 *   1 f16   2 bytes a value (IEEE binary16; finite values only)
 *   2 q8_0  blocks of 32 values: f16 scale d, 32 int8 q;          value = q·d
 *   3 q4_0  blocks of 32 values: f16 scale d, 16 bytes of nibbles; value j = (low nibble of byte j − 8)·d,
 *           value j + 16 = (high nibble of byte j − 8)·d
 *   4 q4_1  f16 d, f16 minimum m, 16 bytes of nibbles as q4_0's;      value = q·d + m
 *   5 q5_0  f16 d, u32 qh, 16 bytes of nibbles; bit j of qh is bit 4 of code j; value = (q − 16)·d
 *   6 q5_1  f16 d, f16 m, u32 qh, 16 bytes of nibbles as q5_0's;     value = q·d + m
 *           (ggml's layouts, src/formats/quantized.ts)
 *
 * matmul: y[t, r] = Σ_c W[r, c] · x[t, c] for rows r in [rowStart, rowEnd) (a thread's share) and tokens t < T;
 * x is [T, cols] f32, y is [T, rows] f32. Four tokens share each decoded weight vector, so a batched decode or a
 * prefill chunk reads the weights once per four tokens; a token left over (a decode of one session) runs four rows
 * at a time sharing the loads of x — rows a quarter of the run apart, so that each part of the run is read as one
 * long sequential stream — each row summed in the same order as alone, so a row's result does not depend on the
 * grouping (or on a thread's share). Each format has its own function (matmulF32 … matmulQ5_1: matmulAs inlined
 * with a constant format), with no branch on the format inside its loops. They must stay separate functions: inlined
 * as arms of one `if`, the optimizer folds the arms back into one body that tests the format at run time (a third
 * slower for q4_0).
 *
 * The block formats multiply in integers, as ggml does, but against int16 activations: the caller quantizes x once
 * per product (quantizeActivations: per block of 32 values s = max|x| / 32767, x_q = round(x / s), each x off by at
 * most 1.5e-5 of its block's largest |x|), passed to matmul as `xq`; per block the codes are widened to i16 and
 * multiplied with i32x4.dot_i16x8_s, summed in i32 (exact), and scaled once by d · s. The formats with a minimum are
 * summed as (q − z)·d + (m + z·d) with z the centre of the codes (8 or 16): d·s·Σ(q − z)·x_q + (m + z·d)·Σx per
 * block, Σx over the f32 x (computed with the quantization), the second term small where the block is centred on
 * zero. Four rows (or four tokens) go through a block together: their four integer sums are gathered into one
 * vector's lanes and converted, scaled and accumulated at once.
 */

import { hsum } from './lanes';

const F16_TO_F32_SCALE: f32 = reinterpret<f32>(0x77800000); // 2^112
const BLOCK: i32 = 32;

/** One f16 (low 16 bits of h) as f32: magnitude bits moved into place, rescaled by 2^112 (exact for subnormals). */
// @ts-ignore: decorator
@inline
function half(h: u32): f32 {
  const magnitude = reinterpret<f32>((h & 0x7fff) << 13) * F16_TO_F32_SCALE;
  return reinterpret<f32>(reinterpret<u32>(magnitude) | ((h & 0x8000) << 16));
}

/**
 * Four consecutive f16 at p as an f32x4 scaled by 2^−112: sign-extended to 32 bits and shifted by 13, the exponent
 * and mantissa sit where an f32's do and the sign at bit 31 (the mask drops the copies of the sign between). Exact
 * (f16 subnormals become f32 subnormals).
 */
// @ts-ignore: decorator
@inline
function half4Scaled(p: usize): v128 {
  return v128.and(i32x4.shl(v128.load16x4_s(p), 13), i32x4.splat(0x8fffe000));
}

/** Four consecutive f16 at p as an f32x4 (half4Scaled rescaled by 2^112). */
// @ts-ignore: decorator
@inline
function half4(p: usize): v128 {
  return f32x4.mul(half4Scaled(p), f32x4.splat(F16_TO_F32_SCALE));
}

/**
 * The first address past the module's static data (the tables of Math.exp, written into the imported memory at
 * every instantiation): the caller's heap starts above it.
 */
export function staticDataEnd(): usize {
  return __heap_base;
}

/** Bytes of one row of `cols` values in `format`. */
export function rowBytes(format: i32, cols: i32): i32 {
  if (format == 0) return cols * 4;
  if (format == 1) return cols * 2;
  return (cols / BLOCK) * <i32>blockBytesOf(format);
}

/** The value at column c of a row (for the scalar tails and dequantize). */
function valueAt(format: i32, row: usize, c: i32): f32 {
  if (format == 0) return load<f32>(row + ((<usize>c) << 2));
  if (format == 1) return half(load<u16>(row + ((<usize>c) << 1)));
  const block = row + <usize>(c / BLOCK) * blockBytesOf(format);
  const d = half(load<u16>(block));
  const j = c % BLOCK;
  if (format == 2) return <f32>load<i8>(block + 2 + j) * d;
  const packed = <i32>load<u8>(block + codesAt(format) + (j & 15));
  let q = j < 16 ? packed & 15 : packed >> 4;
  if (format >= 5) q |= <i32>((load<u32>(block + (format == 6 ? 4 : 2)) >> <u32>j) & 1) << 4;
  if (hasMinimum(format)) return <f32>q * d + half(load<u16>(block, 2));
  return <f32>(q - codeCentre(format)) * d;
}

/** Writes the n values of one row (from its start) as f32 to out. */
export function dequantizeRow(format: i32, row: usize, n: i32, out: usize): void {
  for (let c = 0; c < n; c++) store<f32>(out + ((<usize>c) << 2), valueAt(format, row, c));
}

/** Σ_c W[row, c]·x[c] for columns [from, cols), scalar (tails of rows whose width is not a multiple of 4). */
function dotTail(format: i32, row: usize, x: usize, from: i32, cols: i32): f32 {
  let sum: f32 = 0;
  for (let c = from; c < cols; c++) sum += valueAt(format, row, c) * load<f32>(x + ((<usize>c) << 2));
  return sum;
}

// The dense formats: one weight vector (4 values) at a time, four tokens each.

// @ts-ignore: decorator
@inline
function denseFour(format: i32, row: usize, x: usize, xStride: usize, cols: i32, y: usize, yStride: usize): void {
  let a0 = f32x4.splat(0);
  let a1 = f32x4.splat(0);
  let a2 = f32x4.splat(0);
  let a3 = f32x4.splat(0);
  const whole = cols & ~3;
  for (let c = 0; c < whole; c += 4) {
    const w = format == 0 ? v128.load(row + ((<usize>c) << 2)) : half4(row + ((<usize>c) << 1));
    const xc = x + ((<usize>c) << 2);
    a0 = f32x4.add(a0, f32x4.mul(w, v128.load(xc)));
    a1 = f32x4.add(a1, f32x4.mul(w, v128.load(xc + xStride)));
    a2 = f32x4.add(a2, f32x4.mul(w, v128.load(xc + 2 * xStride)));
    a3 = f32x4.add(a3, f32x4.mul(w, v128.load(xc + 3 * xStride)));
  }
  store<f32>(y, hsum(a0) + dotTail(format, row, x, whole, cols));
  store<f32>(y + yStride, hsum(a1) + dotTail(format, row, x + xStride, whole, cols));
  store<f32>(y + 2 * yStride, hsum(a2) + dotTail(format, row, x + 2 * xStride, whole, cols));
  store<f32>(y + 3 * yStride, hsum(a3) + dotTail(format, row, x + 3 * xStride, whole, cols));
}

// @ts-ignore: decorator
@inline
function denseOne(format: i32, row: usize, x: usize, cols: i32): f32 {
  let a0 = f32x4.splat(0);
  let a1 = f32x4.splat(0);
  const pairs = cols & ~7;
  for (let c = 0; c < pairs; c += 8) {
    const xc = x + ((<usize>c) << 2);
    if (format == 0) {
      const wc = row + ((<usize>c) << 2);
      a0 = f32x4.add(a0, f32x4.mul(v128.load(wc), v128.load(xc)));
      a1 = f32x4.add(a1, f32x4.mul(v128.load(wc, 16), v128.load(xc, 16)));
    } else {
      const wc = row + ((<usize>c) << 1);
      a0 = f32x4.add(a0, f32x4.mul(half4(wc), v128.load(xc)));
      a1 = f32x4.add(a1, f32x4.mul(half4(wc + 8), v128.load(xc, 16)));
    }
  }
  return hsum(f32x4.add(a0, a1)) + dotTail(format, row, x, pairs, cols);
}

// The block formats: layouts, and the pieces the integer products share.

/** Bytes of one block (formats 2–6). */
// @ts-ignore: decorator
@inline
function blockBytesOf(format: i32): usize {
  if (format == 2) return 34;
  if (format == 3) return 18;
  if (format == 4) return 20;
  if (format == 5) return 22;
  return 24;
}

/** Whether the block stores a minimum m after d (q4_1, q5_1). */
// @ts-ignore: decorator
@inline
function hasMinimum(format: i32): bool {
  return format == 4 || format == 6;
}

/** The centre z of the nibble formats' codes: 8 for 4-bit codes, 16 for 5-bit ones. */
// @ts-ignore: decorator
@inline
function codeCentre(format: i32): i32 {
  return format >= 5 ? 16 : 8;
}

/** Where a block's codes start: after d (2 bytes), m (2) and qh (4) as the format has them. */
// @ts-ignore: decorator
@inline
function codesAt(format: i32): usize {
  return 2 + (hasMinimum(format) ? 2 : 0) + (format >= 5 ? 4 : 0);
}

/**
 * Bit 4 of a q5 block's codes 0–15 (`upper` false: bits 0–15 of qh) or 16–31 (`upper` true: bits 16–31) as sixteen
 * bytes of 16 or 0: the two bytes of qh spread over eight lanes each, each lane testing its own bit.
 */
// @ts-ignore: decorator
@inline
function fifthBits(qh: v128, upper: bool): v128 {
  const spread = upper
    ? v128.swizzle(qh, i8x16(2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3))
    : v128.swizzle(qh, i8x16(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1));
  const bit = i8x16(1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128);
  return v128.and(i8x16.eq(v128.and(spread, bit), bit), i8x16.splat(16));
}

/** Σx over the 32 floats at x (the eight f32x4 summed pairwise, then across). */
// @ts-ignore: decorator
@inline
function blockXSum(x: usize): f32 {
  const low = f32x4.add(f32x4.add(v128.load(x), v128.load(x, 16)), f32x4.add(v128.load(x, 32), v128.load(x, 48)));
  const high = f32x4.add(f32x4.add(v128.load(x, 64), v128.load(x, 80)), f32x4.add(v128.load(x, 96), v128.load(x, 112)));
  return hsum(f32x4.add(low, high));
}

/**
 * The low four i16 lanes of v, each an f16, as an f32x4 (widened as half4 widens). Lanes must hold real scales or
 * zeros: arbitrary bits could widen to f32 subnormals, whose multiply is slow on x86.
 */
// @ts-ignore: decorator
@inline
function halves(v: v128): v128 {
  const bits = v128.and(i32x4.shl(i32x4.extend_low_i16x8_s(v), 13), i32x4.splat(0x8fffe000));
  return f32x4.mul(bits, f32x4.splat(F16_TO_F32_SCALE));
}

/** The f16 at p0, p1, p2 and p3 as the four lanes of an f32x4 (four blocks' d, or m). */
// @ts-ignore: decorator
@inline
function halvesAt(p0: usize, p1: usize, p2: usize, p3: usize): v128 {
  let v = v128.load16_lane(p0, i32x4.splat(0), 0);
  v = v128.load16_lane(p1, v, 1);
  v = v128.load16_lane(p2, v, 2);
  return halves(v128.load16_lane(p3, v, 3));
}

/** The i32 at p0, p1, p2 and p3 as the four lanes of a v128. */
// @ts-ignore: decorator
@inline
function wordsAt(p0: usize, p1: usize, p2: usize, p3: usize): v128 {
  let v = v128.load32_zero(p0);
  v = v128.load32_lane(p1, v, 1);
  v = v128.load32_lane(p2, v, 2);
  return v128.load32_lane(p3, v, 3);
}

/** Four i32x4 a, b, c, d reduced to [Σa, Σb, Σc, Σd] (exact in i32). */
// @ts-ignore: decorator
@inline
function laneTotals(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = i32x4.add(v128.shuffle<i32>(a, b, 0, 4, 1, 5), v128.shuffle<i32>(a, b, 2, 6, 3, 7));
  const cd = i32x4.add(v128.shuffle<i32>(c, d, 0, 4, 1, 5), v128.shuffle<i32>(c, d, 2, 6, 3, 7));
  return i32x4.add(v128.shuffle<i32>(ab, cd, 0, 1, 4, 5), v128.shuffle<i32>(ab, cd, 2, 3, 6, 7));
}

/** The i32 lanes of v summed (exact). */
// @ts-ignore: decorator
@inline
function total(v: v128): i32 {
  return i32x4.extract_lane(v, 0) + i32x4.extract_lane(v, 1) + i32x4.extract_lane(v, 2) + i32x4.extract_lane(v, 3);
}

// The block formats in integers: x quantized once per product to int16 per block of 32 (quantizeActivations),
// each block's codes widened to i16 and multiplied by i32x4.dot_i16x8_s, summed in i32 (exact: 32 · 127 · 32767
// < 2^31), then scaled once by d_w · s_x. q4_0 and q4_1 widen their codes unsigned (two loads, a mask and a shift)
// and take the centre off in the integer sum, Σ(q − 8)·x_q = Σq·x_q − 8·Σx_q, with Σx_q computed once per product;
// q5's codes are widened centred. Every (row, token) sum is formed the same way — per block its exact integer sum,
// one conversion, one scaling, added in block order — whether rows or tokens go four at a time (a vector's lanes)
// or alone (scalars), so a result never depends on the grouping or on a thread's share.

/** Bytes of quantizeActivations' record of one block: s (f32), Σx_q (i32), Σx (f32). */
const BLOCK_RECORD: usize = 12;

/**
 * Bytes of one token's quantized activations: cols int16 codes, then one BLOCK_RECORD per block of 32.
 */
// @ts-ignore: decorator
@inline
function quantizedStride(cols: i32): usize {
  return ((<usize>cols) << 1) + <usize>(cols / BLOCK) * BLOCK_RECORD;
}

/**
 * Quantizes `tokens` tokens of x ([tokens, cols] f32, cols a multiple of 32) to int16 per block of 32 values:
 * s = max|x| / 32767 and x_q = round(x / s) (0 for a block of zeros), into out ([tokens] of quantizedStride(cols)
 * bytes: the codes, then per block s, Σx_q and Σx of the f32 x). Each x is off by at most s / 2 (1.5e-5 of the
 * block's largest |x|).
 */
export function quantizeActivations(x: usize, cols: i32, tokens: i32, out: usize): void {
  const blocks = cols / BLOCK;
  const stride = quantizedStride(cols);
  for (let t = 0; t < tokens; t++) {
    const xt = x + (<usize>(t * cols) << 2);
    const codes = out + <usize>t * stride;
    const records = codes + ((<usize>cols) << 1);
    for (let b = 0; b < blocks; b++) {
      const xb = xt + ((<usize>b) << 7);
      let most = f32x4.max(f32x4.abs(v128.load(xb)), f32x4.abs(v128.load(xb, 16)));
      most = f32x4.max(most, f32x4.max(f32x4.abs(v128.load(xb, 32)), f32x4.abs(v128.load(xb, 48))));
      most = f32x4.max(most, f32x4.max(f32x4.abs(v128.load(xb, 64)), f32x4.abs(v128.load(xb, 80))));
      most = f32x4.max(most, f32x4.max(f32x4.abs(v128.load(xb, 96)), f32x4.abs(v128.load(xb, 112))));
      const largest = max(
        max(f32x4.extract_lane(most, 0), f32x4.extract_lane(most, 1)),
        max(f32x4.extract_lane(most, 2), f32x4.extract_lane(most, 3)),
      );
      const s: f32 = largest / 32767;
      const record = records + <usize>b * BLOCK_RECORD;
      store<f32>(record, s);
      store<f32>(record, blockXSum(xb), 8);
      const qb = codes + ((<usize>b) << 6);
      let codeSums = i32x4.splat(0);
      for (let i = 0; i < 4; i++) {
        let narrowed = i32x4.splat(0);
        if (s != 0) {
          const sv = f32x4.splat(s);
          const xi = xb + ((<usize>i) << 5);
          const lo = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.div(v128.load(xi), sv)));
          const hi = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.div(v128.load(xi, 16), sv)));
          narrowed = i16x8.narrow_i32x4_s(lo, hi);
        }
        v128.store(qb + ((<usize>i) << 4), narrowed);
        codeSums = i32x4.add(codeSums, i32x4.extadd_pairwise_i16x8_s(narrowed));
      }
      store<i32>(record, total(codeSums), 4);
    }
  }
}

/**
 * A q5 block's codes centred (q − 16) as sixteen i8 lanes: codes 0–15 (`upper` false, the low nibbles) or 16–31
 * (the high ones), their fifth bits from qh.
 */
// @ts-ignore: decorator
@inline
function centredFiveBitCodes(format: i32, block: usize, upper: bool): v128 {
  const packed = v128.load(block + codesAt(format));
  const codes = upper ? i8x16.shr_u(packed, 4) : v128.and(packed, i8x16.splat(15));
  const fifth = fifthBits(i32x4.splat(load<u32>(block + (hasMinimum(format) ? 4 : 2))), upper);
  return i8x16.sub(v128.or(codes, fifth), i8x16.splat(16));
}

/**
 * Part `part` (values 8·part to 8·part + 7) of a block's codes widened to i16: q8_0's signed codes, q4's unsigned
 * ones (bytes 0–7 hold values 0–7 and 16–23, bytes 8–15 values 8–15 and 24–31), q5's centred. The parts of one
 * block repeat the same loads, which the compiler shares.
 */
// @ts-ignore: decorator
@inline
function widenedCodes(format: i32, block: usize, part: i32): v128 {
  if (format == 2) return v128.load8x8_s(block + 2 + ((<usize>part) << 3));
  if (format <= 4) {
    const bytes = v128.load8x8_u(block + codesAt(format) + ((<usize>(part & 1)) << 3));
    return part >= 2 ? i16x8.shr_u(bytes, 4) : v128.and(bytes, i16x8.splat(15));
  }
  const codes = centredFiveBitCodes(format, block, part >= 2);
  return part & 1 ? i16x8.extend_high_i8x16_s(codes) : i16x8.extend_low_i8x16_s(codes);
}

/** The centre taken off through Σx_q: 8 for q4's unsigned codes, 0 where the codes are widened signed or centred. */
// @ts-ignore: decorator
@inline
function sumCentre(format: i32): i32 {
  return format == 3 || format == 4 ? 8 : 0;
}

/** Σ code·x_q over a block in i32 lanes, the codes widened (w0–w3) and x_q as four i16x8 (values 0–7, …). */
// @ts-ignore: decorator
@inline
function codesDot(w0: v128, w1: v128, w2: v128, w3: v128, q0: v128, q1: v128, q2: v128, q3: v128): v128 {
  const s = i32x4.add(i32x4.dot_i16x8_s(w0, q0), i32x4.dot_i16x8_s(w1, q1));
  const t = i32x4.add(i32x4.dot_i16x8_s(w2, q2), i32x4.dot_i16x8_s(w3, q3));
  return i32x4.add(s, t);
}

/** codesDot against the x_q at q. */
// @ts-ignore: decorator
@inline
function codesDotAt(w0: v128, w1: v128, w2: v128, w3: v128, q: usize): v128 {
  return codesDot(w0, w1, w2, w3, v128.load(q), v128.load(q, 16), v128.load(q, 32), v128.load(q, 48));
}

/** Σ code·x_q over one block in i32 lanes (codesDot of the block's widened codes). */
// @ts-ignore: decorator
@inline
function blockDotInt(format: i32, block: usize, q0: v128, q1: v128, q2: v128, q3: v128): v128 {
  const w0 = widenedCodes(format, block, 0);
  const w1 = widenedCodes(format, block, 1);
  const w2 = widenedCodes(format, block, 2);
  const w3 = widenedCodes(format, block, 3);
  return codesDot(w0, w1, w2, w3, q0, q1, q2, q3);
}

/**
 * Four (row, token) block terms from their exact integer sums (`sums`, lanes) and their blocks' d, s_x (and m, Σx):
 * f32(Σ − z·Σx_q)·(d·s_x), plus (m + z'·d)·Σx for the formats with a minimum (z' the codes' centre). `codeSums`
 * holds z·Σx_q per lane; `minimums` and `xSums` are unused (and folded away) for the formats without a minimum.
 */
// @ts-ignore: decorator
@inline
function blockTerms(format: i32, sums: v128, codeSums: v128, d: v128, sx: v128, minimums: v128, xSums: v128): v128 {
  const centred = sumCentre(format) != 0 ? i32x4.sub(sums, codeSums) : sums;
  const term = f32x4.mul(f32x4.convert_i32x4_s(centred), f32x4.mul(d, sx));
  if (!hasMinimum(format)) return term;
  const offset = f32x4.add(minimums, f32x4.mul(d, f32x4.splat(<f32>codeCentre(format))));
  return f32x4.add(term, f32x4.mul(offset, xSums));
}

/** One block row against one token's quantized x (xq: its codes, followed by its block records). */
// @ts-ignore: decorator
@inline
function blockOneInt(format: i32, row: usize, xq: usize, cols: i32): f32 {
  let a: f32 = 0;
  const blockBytes = blockBytesOf(format);
  const blocks = cols / BLOCK;
  const records = xq + ((<usize>cols) << 1);
  const centre = sumCentre(format);
  const offsetCentre = <f32>codeCentre(format);
  for (let b = 0; b < blocks; b++) {
    const block = row + <usize>b * blockBytes;
    const qb = xq + ((<usize>b) << 6);
    const record = records + <usize>b * BLOCK_RECORD;
    const dot = blockDotInt(format, block, v128.load(qb), v128.load(qb, 16), v128.load(qb, 32), v128.load(qb, 48));
    const d = half(load<u16>(block));
    const sum = total(dot) - (centre != 0 ? centre * load<i32>(record, 4) : 0);
    let term = <f32>sum * (d * load<f32>(record));
    if (hasMinimum(format)) term += (half(load<u16>(block, 2)) + d * offsetCentre) * load<f32>(record, 8);
    a += term;
  }
  return a;
}

/**
 * blockOneInt for four rows `stride` bytes apart (the lanes), sharing the loads of x_q and its records, results
 * stored `yStep` bytes apart; each row's sum formed exactly as blockOneInt forms it.
 */
// @ts-ignore: decorator
@inline
function blockFourInt(format: i32, row: usize, stride: usize, xq: usize, cols: i32, y: usize, yStep: usize): void {
  let a = f32x4.splat(0);
  const blockBytes = blockBytesOf(format);
  const blocks = cols / BLOCK;
  const records = xq + ((<usize>cols) << 1);
  for (let b = 0; b < blocks; b++) {
    const block = row + <usize>b * blockBytes;
    const qb = xq + ((<usize>b) << 6);
    const record = records + <usize>b * BLOCK_RECORD;
    const q0 = v128.load(qb);
    const q1 = v128.load(qb, 16);
    const q2 = v128.load(qb, 32);
    const q3 = v128.load(qb, 48);
    const sums = laneTotals(
      blockDotInt(format, block, q0, q1, q2, q3),
      blockDotInt(format, block + stride, q0, q1, q2, q3),
      blockDotInt(format, block + 2 * stride, q0, q1, q2, q3),
      blockDotInt(format, block + 3 * stride, q0, q1, q2, q3),
    );
    const codeSums = i32x4.splat(sumCentre(format) * load<i32>(record, 4));
    const d = halvesAt(block, block + stride, block + 2 * stride, block + 3 * stride);
    const m = hasMinimum(format)
      ? halvesAt(block + 2, block + stride + 2, block + 2 * stride + 2, block + 3 * stride + 2)
      : d;
    const sx = v128.load32_splat(record);
    a = f32x4.add(a, blockTerms(format, sums, codeSums, d, sx, m, v128.load32_splat(record + 8)));
  }
  store<f32>(y, f32x4.extract_lane(a, 0));
  store<f32>(y + yStep, f32x4.extract_lane(a, 1));
  store<f32>(y + 2 * yStep, f32x4.extract_lane(a, 2));
  store<f32>(y + 3 * yStep, f32x4.extract_lane(a, 3));
}

/**
 * One block row against four tokens (the lanes; xq: the first token's quantized x, `qStride` bytes apart), each
 * block's codes widened once for the four; results stored `yStride` bytes apart. Each token's sum is formed as
 * blockOneInt forms it, so a token's result does not depend on whether it went four at a time or alone.
 */
// @ts-ignore: decorator
@inline
function blockTokensInt(
  format: i32,
  row: usize,
  xq: usize,
  qStride: usize,
  cols: i32,
  y: usize,
  yStride: usize,
): void {
  let a = f32x4.splat(0);
  const blockBytes = blockBytesOf(format);
  const blocks = cols / BLOCK;
  const records = xq + ((<usize>cols) << 1);
  for (let b = 0; b < blocks; b++) {
    const block = row + <usize>b * blockBytes;
    const w0 = widenedCodes(format, block, 0);
    const w1 = widenedCodes(format, block, 1);
    const w2 = widenedCodes(format, block, 2);
    const w3 = widenedCodes(format, block, 3);
    const q = xq + ((<usize>b) << 6);
    const r = records + <usize>b * BLOCK_RECORD;
    const sums = laneTotals(
      codesDotAt(w0, w1, w2, w3, q),
      codesDotAt(w0, w1, w2, w3, q + qStride),
      codesDotAt(w0, w1, w2, w3, q + 2 * qStride),
      codesDotAt(w0, w1, w2, w3, q + 3 * qStride),
    );
    const tokenCodeSums = wordsAt(r + 4, r + qStride + 4, r + 2 * qStride + 4, r + 3 * qStride + 4);
    const codeSums = i32x4.mul(tokenCodeSums, i32x4.splat(sumCentre(format)));
    const d = f32x4.splat(half(load<u16>(block)));
    const m = hasMinimum(format) ? f32x4.splat(half(load<u16>(block, 2))) : d;
    const sx = wordsAt(r, r + qStride, r + 2 * qStride, r + 3 * qStride);
    const xSums = hasMinimum(format) ? wordsAt(r + 8, r + qStride + 8, r + 2 * qStride + 8, r + 3 * qStride + 8) : sx;
    a = f32x4.add(a, blockTerms(format, sums, codeSums, d, sx, m, xSums));
  }
  store<f32>(y, f32x4.extract_lane(a, 0));
  store<f32>(y + yStride, f32x4.extract_lane(a, 1));
  store<f32>(y + 2 * yStride, f32x4.extract_lane(a, 2));
  store<f32>(y + 3 * yStride, f32x4.extract_lane(a, 3));
}

/**
 * f32 / f16: eight values of a row from p as two f32x4; with `xScaled` (f16 against x scaled by 2^112) the f16
 * values as half4Scaled gives them.
 */
// @ts-ignore: decorator
@inline
function denseLow(format: i32, p: usize, xScaled: bool): v128 {
  return format == 0 ? v128.load(p) : xScaled ? half4Scaled(p) : half4(p);
}

// @ts-ignore: decorator
@inline
function denseHigh(format: i32, p: usize, xScaled: bool): v128 {
  return format == 0 ? v128.load(p, 16) : xScaled ? half4Scaled(p + 8) : half4(p + 8);
}

/**
 * Whether x's first `cols` values stay finite scaled by 2^112 (every |x| < 2^16): then an f16 row's products can
 * take the 2^112 of the f16 widening from x — loaded once for four rows — instead of from each weight vector.
 * (w·2^−112)·(x·2^112) is w·x exactly, rounded the same, so the sums are bitwise those of the plain loop.
 */
// @ts-ignore: decorator
@inline
function scalesToF16(x: usize, cols: i32): bool {
  let most = f32x4.splat(0);
  const whole = cols & ~3;
  for (let c = 0; c < whole; c += 4) most = f32x4.max(most, f32x4.abs(v128.load(x + ((<usize>c) << 2))));
  let largest = max(max(f32x4.extract_lane(most, 0), f32x4.extract_lane(most, 1)), f32x4.extract_lane(most, 2));
  largest = max(largest, f32x4.extract_lane(most, 3));
  for (let c = whole; c < cols; c++) largest = max(largest, abs(load<f32>(x + ((<usize>c) << 2))));
  return largest < 65536;
}

/**
 * denseOne for four rows `stride` bytes apart against one token, sharing the loads of x, their results stored
 * `yStep` bytes apart; each row's sum is formed exactly as denseOne forms it. `xScaled` (f16 only, where
 * scalesToF16): x is scaled by 2^112 as it is loaded and the weights are widened without their 2^112 (one multiply
 * per vector of x instead of one per weight vector).
 */
// @ts-ignore: decorator
@inline
function denseRowsFour(
  format: i32,
  row: usize,
  stride: usize,
  x: usize,
  cols: i32,
  y: usize,
  yStep: usize,
  xScaled: bool,
): void {
  let a0 = f32x4.splat(0);
  let b0 = f32x4.splat(0);
  let a1 = f32x4.splat(0);
  let b1 = f32x4.splat(0);
  let a2 = f32x4.splat(0);
  let b2 = f32x4.splat(0);
  let a3 = f32x4.splat(0);
  let b3 = f32x4.splat(0);
  const pairs = cols & ~7;
  const shift: usize = format == 0 ? 2 : 1;
  for (let c = 0; c < pairs; c += 8) {
    const xc = x + ((<usize>c) << 2);
    const scale = f32x4.splat(F16_TO_F32_SCALE);
    const xa = xScaled ? f32x4.mul(v128.load(xc), scale) : v128.load(xc);
    const xb = xScaled ? f32x4.mul(v128.load(xc, 16), scale) : v128.load(xc, 16);
    const p = row + ((<usize>c) << shift);
    a0 = f32x4.add(a0, f32x4.mul(denseLow(format, p, xScaled), xa));
    b0 = f32x4.add(b0, f32x4.mul(denseHigh(format, p, xScaled), xb));
    a1 = f32x4.add(a1, f32x4.mul(denseLow(format, p + stride, xScaled), xa));
    b1 = f32x4.add(b1, f32x4.mul(denseHigh(format, p + stride, xScaled), xb));
    a2 = f32x4.add(a2, f32x4.mul(denseLow(format, p + 2 * stride, xScaled), xa));
    b2 = f32x4.add(b2, f32x4.mul(denseHigh(format, p + 2 * stride, xScaled), xb));
    a3 = f32x4.add(a3, f32x4.mul(denseLow(format, p + 3 * stride, xScaled), xa));
    b3 = f32x4.add(b3, f32x4.mul(denseHigh(format, p + 3 * stride, xScaled), xb));
  }
  store<f32>(y, hsum(f32x4.add(a0, b0)) + dotTail(format, row, x, pairs, cols));
  store<f32>(y + yStep, hsum(f32x4.add(a1, b1)) + dotTail(format, row + stride, x, pairs, cols));
  store<f32>(y + 2 * yStep, hsum(f32x4.add(a2, b2)) + dotTail(format, row + 2 * stride, x, pairs, cols));
  store<f32>(y + 3 * yStep, hsum(f32x4.add(a3, b3)) + dotTail(format, row + 3 * stride, x, pairs, cols));
}

/**
 * Rows [rowStart, rowEnd) against one token: groups of rows sharing the loads of x, then single rows. A group takes
 * one row from each of the run's first `group` equal parts (the k-th row of each), so the group after it reads on
 * where it stopped: each part is one long sequential stream. Neighbouring rows taken together instead (a 768-wide
 * f16 row is 1.5 KiB) put two or three streams in one 4 KiB page, which the hardware prefetcher follows badly: the
 * f16 head (65,536 × 768) took twice as long. `format` is a constant where this is inlined, so the format's
 * branches fold away inside the loops.
 */
// @ts-ignore: decorator
@inline
function rowsOne(
  format: i32,
  w: usize,
  stride: usize,
  x: usize,
  xq: usize,
  cols: i32,
  y: usize,
  rowStart: i32,
  rowEnd: i32,
): void {
  const blocked = format >= 2;
  const group = 4;
  const xScaled = format == 1 && scalesToF16(x, cols);
  const spread = (rowEnd - rowStart) / group;
  const far = <usize>spread * stride;
  const yFar = (<usize>spread) << 2;
  for (let r = rowStart; r < rowStart + spread; r++) {
    const row = w + <usize>r * stride;
    const yr = y + ((<usize>r) << 2);
    if (blocked) blockFourInt(format, row, far, xq, cols, yr, yFar);
    else if (xScaled) denseRowsFour(1, row, far, x, cols, yr, yFar, true);
    else denseRowsFour(format, row, far, x, cols, yr, yFar, false);
  }
  for (let r = rowStart + spread * group; r < rowEnd; r++) {
    const row = w + <usize>r * stride;
    const sum = blocked ? blockOneInt(format, row, xq, cols) : denseOne(format, row, x, cols);
    store<f32>(y + ((<usize>r) << 2), sum);
  }
}

/** Rows [rowStart, rowEnd) against tokens [0, fours), four tokens at a time (`format` constant where inlined). */
// @ts-ignore: decorator
@inline
function rowsFour(
  format: i32,
  w: usize,
  stride: usize,
  x: usize,
  xStride: usize,
  cols: i32,
  y: usize,
  yStride: usize,
  fours: i32,
  rowStart: i32,
  rowEnd: i32,
  xq: usize,
): void {
  const qStride = quantizedStride(cols);
  for (let r = rowStart; r < rowEnd; r++) {
    const row = w + <usize>r * stride;
    const yr = y + ((<usize>r) << 2);
    for (let t = 0; t < fours; t += 4) {
      const xt = x + <usize>t * xStride;
      const yt = yr + <usize>t * yStride;
      if (format >= 2) blockTokensInt(format, row, xq + <usize>t * qStride, qStride, cols, yt, yStride);
      else denseFour(format, row, xt, xStride, cols, yt, yStride);
    }
  }
}

/** rowsFour, then rowsOne for each token past the last four, for one weight format (a constant once inlined). */
// @ts-ignore: decorator
@inline
function matmulAs(
  format: i32,
  w: usize,
  x: usize,
  y: usize,
  rows: i32,
  cols: i32,
  tokens: i32,
  rowStart: i32,
  rowEnd: i32,
  xq: usize,
): void {
  const stride = <usize>rowBytes(format, cols);
  const xStride = (<usize>cols) << 2;
  const yStride = (<usize>rows) << 2;
  const fours = tokens & ~3;
  rowsFour(format, w, stride, x, xStride, cols, y, yStride, fours, rowStart, rowEnd, xq);
  for (let t = fours; t < tokens; t++) {
    const xqt = xq + <usize>t * quantizedStride(cols);
    rowsOne(format, w, stride, x + <usize>t * xStride, xqt, cols, y + <usize>t * yStride, rowStart, rowEnd);
  }
}

function matmulF32(
  w: usize,
  x: usize,
  y: usize,
  rows: i32,
  cols: i32,
  tokens: i32,
  rowStart: i32,
  rowEnd: i32,
  xq: usize,
): void {
  matmulAs(0, w, x, y, rows, cols, tokens, rowStart, rowEnd, xq);
}

function matmulF16(
  w: usize,
  x: usize,
  y: usize,
  rows: i32,
  cols: i32,
  tokens: i32,
  rowStart: i32,
  rowEnd: i32,
  xq: usize,
): void {
  matmulAs(1, w, x, y, rows, cols, tokens, rowStart, rowEnd, xq);
}

function matmulQ8_0(
  w: usize,
  x: usize,
  y: usize,
  rows: i32,
  cols: i32,
  tokens: i32,
  rowStart: i32,
  rowEnd: i32,
  xq: usize,
): void {
  matmulAs(2, w, x, y, rows, cols, tokens, rowStart, rowEnd, xq);
}

function matmulQ4_0(
  w: usize,
  x: usize,
  y: usize,
  rows: i32,
  cols: i32,
  tokens: i32,
  rowStart: i32,
  rowEnd: i32,
  xq: usize,
): void {
  matmulAs(3, w, x, y, rows, cols, tokens, rowStart, rowEnd, xq);
}

function matmulQ4_1(
  w: usize,
  x: usize,
  y: usize,
  rows: i32,
  cols: i32,
  tokens: i32,
  rowStart: i32,
  rowEnd: i32,
  xq: usize,
): void {
  matmulAs(4, w, x, y, rows, cols, tokens, rowStart, rowEnd, xq);
}

function matmulQ5_0(
  w: usize,
  x: usize,
  y: usize,
  rows: i32,
  cols: i32,
  tokens: i32,
  rowStart: i32,
  rowEnd: i32,
  xq: usize,
): void {
  matmulAs(5, w, x, y, rows, cols, tokens, rowStart, rowEnd, xq);
}

function matmulQ5_1(
  w: usize,
  x: usize,
  y: usize,
  rows: i32,
  cols: i32,
  tokens: i32,
  rowStart: i32,
  rowEnd: i32,
  xq: usize,
): void {
  matmulAs(6, w, x, y, rows, cols, tokens, rowStart, rowEnd, xq);
}

export function matmul(
  format: i32,
  w: usize,
  x: usize,
  y: usize,
  rows: i32,
  cols: i32,
  tokens: i32,
  rowStart: i32,
  rowEnd: i32,
  xq: usize,
): void {
  if (format == 0) matmulF32(w, x, y, rows, cols, tokens, rowStart, rowEnd, xq);
  else if (format == 1) matmulF16(w, x, y, rows, cols, tokens, rowStart, rowEnd, xq);
  else if (format == 2) matmulQ8_0(w, x, y, rows, cols, tokens, rowStart, rowEnd, xq);
  else if (format == 3) matmulQ4_0(w, x, y, rows, cols, tokens, rowStart, rowEnd, xq);
  else if (format == 4) matmulQ4_1(w, x, y, rows, cols, tokens, rowStart, rowEnd, xq);
  else if (format == 5) matmulQ5_0(w, x, y, rows, cols, tokens, rowStart, rowEnd, xq);
  else matmulQ5_1(w, x, y, rows, cols, tokens, rowStart, rowEnd, xq);
}

/**
 * LayerNorm / GroupNorm of `count` groups of `size` values (a row of width `width` holds width / size groups):
 * y = (x − mean) / sqrt(var + eps) · weight[channel] + bias[channel], the sums in f64. x and y may be the same.
 */
export function normalize(
  x: usize,
  y: usize,
  count: i32,
  size: i32,
  width: i32,
  weight: usize,
  bias: usize,
  eps: f64,
): void {
  for (let g = 0; g < count; g++) {
    const start = <usize>g * size;
    let sum: f64 = 0;
    for (let i = 0; i < size; i++) sum += <f64>load<f32>(x + ((start + i) << 2));
    const mean = sum / size;
    let squares: f64 = 0;
    for (let i = 0; i < size; i++) {
      const d = <f64>load<f32>(x + ((start + i) << 2)) - mean;
      squares += d * d;
    }
    const scale = 1 / Math.sqrt(squares / size + eps);
    const channel = <usize>((g * size) % width);
    for (let i = 0; i < size; i++) {
      const at = (start + i) << 2;
      const c = (channel + i) << 2;
      const value = (<f64>load<f32>(x + at) - mean) * scale * <f64>load<f32>(weight + c) + <f64>load<f32>(bias + c);
      store<f32>(y + at, <f32>value);
    }
  }
}

/**
 * The v7 WKV recurrence (generalised delta rule) over T tokens of width C = heads · n, one head of state being
 * S [n, n] (row i: value channel, column j: key channel):
 *   sa_i = Σ_j a_j S_ij;  S_ij ← S_ij·w_j + v_i·k_j + sa_i·b_j;  y_i = Σ_j S_ij·r_j
 * r, w, k, v, a, b, y are [T, C]; state is [heads, n, n]. n must be a multiple of 4.
 */
export function wkv7(
  tokens: i32,
  c: i32,
  n: i32,
  r: usize,
  w: usize,
  k: usize,
  v: usize,
  a: usize,
  b: usize,
  state: usize,
  y: usize,
): void {
  const heads = c / n;
  for (let t = 0; t < tokens; t++) {
    const offset = (<usize>(t * c)) << 2;
    for (let h = 0; h < heads; h++) {
      const base = offset + ((<usize>(h * n)) << 2);
      const s = state + ((<usize>(h * n * n)) << 2);
      for (let i = 0; i < n; i++) {
        const row = s + ((<usize>(i * n)) << 2);
        let sa = f32x4.splat(0);
        for (let j = 0; j < n; j += 4) {
          sa = f32x4.add(sa, f32x4.mul(v128.load(a + base + (j << 2)), v128.load(row + (j << 2))));
        }
        const saI = f32x4.splat(hsum(sa));
        const vI = f32x4.splat(load<f32>(v + base + (i << 2)));
        let sum = f32x4.splat(0);
        for (let j = 0; j < n; j += 4) {
          const at = base + (j << 2);
          const p = row + (j << 2);
          let next = f32x4.mul(v128.load(p), v128.load(w + at));
          next = f32x4.add(next, f32x4.mul(vI, v128.load(k + at)));
          next = f32x4.add(next, f32x4.mul(saI, v128.load(b + at)));
          v128.store(p, next);
          sum = f32x4.add(sum, f32x4.mul(next, v128.load(r + at)));
        }
        store<f32>(y + base + (i << 2), hsum(sum));
      }
    }
  }
}

/**
 * The v4 WKV over T tokens of C channels, every channel on its own (u = first, w = decay; the state aa, bb, pp is
 * [C] each), in f64 like the oracle (src/cpu/ops.ts wkv4Step):
 *   q = max(pp, u + k);  y = (e^(pp−q)·aa + e^(u+k−q)·v) / (e^(pp−q)·bb + e^(u+k−q))
 *   q' = max(pp + w, k); aa ← e^(pp+w−q')·aa + e^(k−q')·v;  bb ← e^(pp+w−q')·bb + e^(k−q');  pp ← q'
 * k, v, y are [T, C].
 */
export function wkv4(
  tokens: i32,
  c: i32,
  k: usize,
  v: usize,
  first: usize,
  decay: usize,
  aa: usize,
  bb: usize,
  pp: usize,
  y: usize,
): void {
  for (let t = 0; t < tokens; t++) {
    const offset = (<usize>(t * c)) << 2;
    for (let i = 0; i < c; i++) {
      const at = (<usize>i) << 2;
      const kc = <f64>load<f32>(k + offset + at);
      const vc = <f64>load<f32>(v + offset + at);
      const a = <f64>load<f32>(aa + at);
      const b = <f64>load<f32>(bb + at);
      const p = <f64>load<f32>(pp + at);
      const ww = <f64>load<f32>(first + at) + kc;
      const q = Math.max(p, ww);
      const e1 = Math.exp(p - q);
      const e2 = Math.exp(ww - q);
      store<f32>(y + offset + at, <f32>((e1 * a + e2 * vc) / (e1 * b + e2)));
      const decayed = p + <f64>load<f32>(decay + at);
      const q2 = Math.max(decayed, kc);
      const d1 = Math.exp(decayed - q2);
      const d2 = Math.exp(kc - q2);
      store<f32>(aa + at, <f32>(d1 * a + d2 * vc));
      store<f32>(bb + at, <f32>(d1 * b + d2));
      store<f32>(pp + at, <f32>q2);
    }
  }
}

/**
 * The v5 / v6 WKV over T tokens of width C = heads · n, one head of state being S [n, n] (row i: value channel,
 * column j: key channel), decay w and bonus u per key channel (src/cpu/ops.ts wkv5Step):
 *   y_i = Σ_j r_j·(S_ij + u_j·k_j·v_i);  S_ij ← S_ij·w_j + k_j·v_i
 * r, k, v, y are [T, C]; u is [C]; w is [C] for every token (v5, wStride 0) or [T, C] (v6, wStride C); state is
 * [heads, n, n]. n must be a multiple of 4.
 */
export function wkv5(
  tokens: i32,
  c: i32,
  n: i32,
  r: usize,
  k: usize,
  v: usize,
  w: usize,
  wStride: i32,
  u: usize,
  state: usize,
  y: usize,
): void {
  const heads = c / n;
  for (let t = 0; t < tokens; t++) {
    const offset = (<usize>(t * c)) << 2;
    const wt = w + ((<usize>(t * wStride)) << 2);
    for (let h = 0; h < heads; h++) {
      const head = (<usize>(h * n)) << 2;
      const base = offset + head;
      const s = state + ((<usize>(h * n * n)) << 2);
      for (let i = 0; i < n; i++) {
        const row = s + ((<usize>(i * n)) << 2);
        const vI = f32x4.splat(load<f32>(v + base + (i << 2)));
        let sum = f32x4.splat(0);
        for (let j = 0; j < n; j += 4) {
          const at = (<usize>j) << 2;
          const p = row + at;
          const kv = f32x4.mul(v128.load(k + base + at), vI);
          const previous = v128.load(p);
          sum = f32x4.add(sum, f32x4.mul(v128.load(r + base + at), f32x4.add(previous, f32x4.mul(v128.load(u + head + at), kv))));
          v128.store(p, f32x4.add(f32x4.mul(previous, v128.load(wt + head + at)), kv));
        }
        store<f32>(y + base + (i << 2), hsum(sum));
      }
    }
  }
}

export { shiftMixes, sigmoids, tanhs, squaredRelus, sigmoidDecays, residualMixes, deltaKeys, bonusGates } from './elementwise';
