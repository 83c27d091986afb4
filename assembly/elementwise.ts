/**
 * The fast CPU backend's element-wise steps (part of the kernels module; see assembly/kernels.ts), in f32x4 over
 * raw addresses: the token-shift mixes, σ, tanh, max(x, 0)², RWKV-7's decay, value residual, key preparation and
 * bonus. x is [rows, width] f32 (n = rows·width values); a per-channel vector (bias, mix) has `width` values and is
 * broadcast over the rows. `width` and v7's head size are multiples of 4; the plain element-wise steps take any n.
 * exp is evaluated as e^x = 2^n·e^r (n = round(x·log2 e), r = x − n·ln 2 in two steps, e^r a degree-7 polynomial)
 * to about 2 ulp, x clamped to [−87, 88]; σ, tanh and the decay are built on it. The oracle computes these in f64:
 * the results agree to f32 rounding (a relative 1e-7 or so).
 */

import { hsum } from './lanes';

const LOG2E: f32 = 1.44269504;
const LN2_HIGH: f32 = 0.693359375;
const LN2_LOW: f32 = -2.12194440e-4;
/** e^−½: RWKV-7's decay w = exp(−e^−½·σ(z)) (see src/generations/v7/cpu-layer.ts). */
const DECAY_SCALE: f32 = 0.60653066;
/** The smallest norm a v7 key head is divided by (the oracle's l2NormalizeHeads eps). */
const NORM_FLOOR: f32 = 1e-12;

/** e^x in each lane (see the header). */
// @ts-ignore: decorator
@inline
function exp4(x: v128): v128 {
  const clamped = f32x4.min(f32x4.max(x, f32x4.splat(-87)), f32x4.splat(88));
  const n = f32x4.nearest(f32x4.mul(clamped, f32x4.splat(LOG2E)));
  let r = f32x4.sub(clamped, f32x4.mul(n, f32x4.splat(LN2_HIGH)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(LN2_LOW)));
  // Cephes' expf coefficients: e^r ≈ 1 + r + r²·P(r) on |r| ≤ ln 2 / 2.
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  const e = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1));
  const power = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(e, power);
}

/** σ(x) = 1 / (1 + e^−x) in each lane. */
// @ts-ignore: decorator
@inline
function sigmoid4(x: v128): v128 {
  return f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), exp4(f32x4.neg(x))));
}

/** tanh(x) = sign(x)·(1 − 2 / (e^{2|x|} + 1)) in each lane. */
// @ts-ignore: decorator
@inline
function tanh4(x: v128): v128 {
  const e = exp4(f32x4.mul(f32x4.abs(x), f32x4.splat(2)));
  const magnitude = f32x4.sub(f32x4.splat(1), f32x4.div(f32x4.splat(2), f32x4.add(e, f32x4.splat(1))));
  return v128.or(magnitude, v128.and(x, i32x4.splat(0x80000000)));
}

/** max(x, 0)² in each lane. */
// @ts-ignore: decorator
@inline
function squaredRelu4(x: v128): v128 {
  const r = f32x4.max(x, f32x4.splat(0));
  return f32x4.mul(r, r);
}

/** The `count` mixes of the token shift: out[j] = x + (previous − x)·mix[j] for each j < count (out[j] at out + j·n). */
export function shiftMixes(x: usize, previous: usize, mix: usize, count: i32, n: i32, width: i32, out: usize): void {
  const bytes = (<usize>n) << 2;
  for (let j = 0; j < count; j++) {
    const m = mix + (<usize>(j * width) << 2);
    const o = out + <usize>j * bytes;
    for (let at: usize = 0; at < bytes; at += <usize>width << 2) {
      for (let c: usize = 0; c < (<usize>width) << 2; c += 16) {
        const xv = v128.load(x + at + c);
        const mixed = f32x4.add(xv, f32x4.mul(f32x4.sub(v128.load(previous + at + c), xv), v128.load(m + c)));
        v128.store(o + at + c, mixed);
      }
    }
  }
}

/** x ← σ(x + bias) in place; `bias` 0 for none (then any n). */
export function sigmoids(x: usize, bias: usize, n: i32, width: i32): void {
  if (bias == 0) {
    for (let i = 0; i < n; i += 4) storeLanes(x, i, n, sigmoid4(loadLanes(x, i, n)));
    return;
  }
  const bytes = (<usize>n) << 2;
  for (let at: usize = 0; at < bytes; at += <usize>width << 2) {
    for (let c: usize = 0; c < (<usize>width) << 2; c += 16) {
      const p = x + at + c;
      v128.store(p, sigmoid4(f32x4.add(v128.load(p), v128.load(bias + c))));
    }
  }
}

/** x ← tanh(x) in place (any n). */
export function tanhs(x: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) storeLanes(x, i, n, tanh4(loadLanes(x, i, n)));
}

/** x ← max(x, 0)² in place (any n). */
export function squaredRelus(x: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) storeLanes(x, i, n, squaredRelu4(loadLanes(x, i, n)));
}

/** RWKV-7's decay in place: x ← exp(−e^−½·σ(x + bias)). */
export function sigmoidDecays(x: usize, bias: usize, n: i32, width: i32): void {
  const bytes = (<usize>n) << 2;
  for (let at: usize = 0; at < bytes; at += <usize>width << 2) {
    for (let c: usize = 0; c < (<usize>width) << 2; c += 16) {
      const p = x + at + c;
      const s = sigmoid4(f32x4.add(v128.load(p), v128.load(bias + c)));
      v128.store(p, exp4(f32x4.mul(s, f32x4.splat(-DECAY_SCALE))));
    }
  }
}

/** RWKV-7's value residual in place: v ← v + (first − v)·σ(z + bias). */
export function residualMixes(v: usize, first: usize, z: usize, bias: usize, n: i32, width: i32): void {
  const bytes = (<usize>n) << 2;
  for (let at: usize = 0; at < bytes; at += <usize>width << 2) {
    for (let c: usize = 0; c < (<usize>width) << 2; c += 16) {
      const p = at + c;
      const mix = sigmoid4(f32x4.add(v128.load(z + p), v128.load(bias + c)));
      const value = v128.load(v + p);
      v128.store(v + p, f32x4.add(value, f32x4.mul(f32x4.sub(v128.load(first + p), value), mix)));
    }
  }
}

/**
 * RWKV-7's keys for the delta rule, per head of `headSize` channels: κ = k⊙k_k, κ̂ = κ / max(‖κ‖, 1e-12);
 * k ← k⊙(1 + (a − 1)⊙k_a) in place; removal = −κ̂, replacement = κ̂⊙a (the WKV's a and b).
 */
export function deltaKeys(
  k: usize,
  a: usize,
  kK: usize,
  kA: usize,
  n: i32,
  width: i32,
  headSize: i32,
  removal: usize,
  replacement: usize,
): void {
  const headBytes = (<usize>headSize) << 2;
  const bytes = (<usize>n) << 2;
  for (let at: usize = 0; at < bytes; at += <usize>width << 2) {
    for (let head: usize = 0; head < (<usize>width) << 2; head += headBytes) {
      let squares = f32x4.splat(0);
      for (let c: usize = 0; c < headBytes; c += 16) {
        const kappa = f32x4.mul(v128.load(k + at + head + c), v128.load(kK + head + c));
        squares = f32x4.add(squares, f32x4.mul(kappa, kappa));
      }
      const scale = f32x4.splat(1 / max(sqrt<f32>(hsum(squares)), NORM_FLOOR));
      for (let c: usize = 0; c < headBytes; c += 16) {
        const p = at + head + c;
        const key = v128.load(k + p);
        const rate = v128.load(a + p);
        const normalised = f32x4.mul(f32x4.mul(key, v128.load(kK + head + c)), scale);
        v128.store(removal + p, f32x4.neg(normalised));
        v128.store(replacement + p, f32x4.mul(normalised, rate));
        const factor = f32x4.add(f32x4.splat(1), f32x4.mul(f32x4.sub(rate, f32x4.splat(1)), v128.load(kA + head + c)));
        v128.store(k + p, f32x4.mul(key, factor));
      }
    }
  }
}

/**
 * RWKV-7's bonus and gate, per head of `headSize` channels: y ← (y + (Σ_head r⊙k⊙r_k)·v)⊙g in place.
 */
export function bonusGates(y: usize, r: usize, k: usize, v: usize, rK: usize, g: usize, n: i32, width: i32, headSize: i32): void {
  const headBytes = (<usize>headSize) << 2;
  const bytes = (<usize>n) << 2;
  for (let at: usize = 0; at < bytes; at += <usize>width << 2) {
    for (let head: usize = 0; head < (<usize>width) << 2; head += headBytes) {
      let sum = f32x4.splat(0);
      for (let c: usize = 0; c < headBytes; c += 16) {
        const p = at + head + c;
        sum = f32x4.add(sum, f32x4.mul(f32x4.mul(v128.load(r + p), v128.load(k + p)), v128.load(rK + head + c)));
      }
      const bonus = f32x4.splat(hsum(sum));
      for (let c: usize = 0; c < headBytes; c += 16) {
        const p = at + head + c;
        const mixed = f32x4.add(v128.load(y + p), f32x4.mul(bonus, v128.load(v + p)));
        v128.store(y + p, f32x4.mul(mixed, v128.load(g + p)));
      }
    }
  }
}

/** Lanes i … i + 3 of x, those at or past n as 0. */
// @ts-ignore: decorator
@inline
function loadLanes(x: usize, i: i32, n: i32): v128 {
  const p = x + ((<usize>i) << 2);
  if (i + 4 <= n) return v128.load(p);
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (i + 1 < n) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (i + 2 < n) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

/** Stores the lanes of v at x + i … below n. */
// @ts-ignore: decorator
@inline
function storeLanes(x: usize, i: i32, n: i32, v: v128): void {
  const p = x + ((<usize>i) << 2);
  if (i + 4 <= n) {
    v128.store(p, v);
    return;
  }
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (i + 1 < n) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (i + 2 < n) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}
