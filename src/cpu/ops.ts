/**
 * Primitive operations of the CPU reference (the "oracle"): plain f32 arrays in, f32 arrays out. Every WebGPU kernel
 * mirrors one of these functions and is tested against it.
 *
 * Conventions:
 * - Sums are accumulated in JS numbers (f64) and stored as f32.
 * - Activations of a chunk of T tokens are T rows of `width` floats, row-major (`x[t·width + c]`).
 * - Matrices are canonical `[out, in]` row-major (`y[o] = Σ_i W[o·in + i]·x[i]`).
 * - `out` defaults to a fresh array; passing the input as `out` computes in place where the math allows it.
 * - Per-head vectors of v5+ are C = H·S floats, head h at `h·S .. h·S + S − 1`; the matrix state of one head is S×S
 *   with element `i·S + j`, i the value index and j the key index (src/model/state.ts).
 */

/** Number of rows of `width` floats in an array of `length` floats; throws when it is not a whole number. */
function rowCount(length: number, width: number, what: string): number {
  if (width <= 0 || length % width !== 0) {
    throw new RangeError(`${what}: ${length} floats are not a whole number of rows of ${width}`);
  }
  return length / width;
}

function checkLength(array: ArrayLike<number>, length: number, what: string): void {
  if (array.length !== length) throw new RangeError(`${what}: expected ${length} floats, got ${array.length}`);
}

/**
 * LayerNorm of each row (row width = weight.length):
 * y = (x − mean) / sqrt(var + eps) · weight + bias, with mean and (biased) var over the row.
 */
export function layerNorm(
  x: Float32Array,
  weight: Float32Array,
  bias: Float32Array,
  eps: number,
  out: Float32Array = new Float32Array(x.length),
): Float32Array {
  normalizeGroups(x, weight.length, weight.length, weight, bias, eps, out);
  return out;
}

/**
 * GroupNorm of each row (row width C = weight.length) over `groupCount` equal groups (the heads): every group of
 * C / groupCount channels is normalised on its own, y = (x − mean_g) / sqrt(var_g + eps), then the per-channel
 * affine y · weight + bias is applied over the whole row.
 */
export function groupNorm(
  x: Float32Array,
  groupCount: number,
  weight: Float32Array,
  bias: Float32Array,
  eps: number,
  out: Float32Array = new Float32Array(x.length),
): Float32Array {
  const groupSize = rowCount(weight.length, groupCount, 'groupNorm groups');
  normalizeGroups(x, weight.length, groupSize, weight, bias, eps, out);
  return out;
}

function normalizeGroups(
  x: Float32Array,
  width: number,
  groupSize: number,
  weight: Float32Array,
  bias: Float32Array,
  eps: number,
  out: Float32Array,
): void {
  checkLength(bias, width, 'norm bias');
  checkLength(out, x.length, 'norm output');
  const groups = rowCount(x.length, groupSize, 'norm input');
  rowCount(x.length, width, 'norm input');
  for (let g = 0; g < groups; g++) {
    const start = g * groupSize;
    let sum = 0;
    for (let i = 0; i < groupSize; i++) sum += x[start + i];
    const mean = sum / groupSize;
    let squares = 0;
    for (let i = 0; i < groupSize; i++) {
      const d = x[start + i] - mean;
      squares += d * d;
    }
    const scale = 1 / Math.sqrt(squares / groupSize + eps);
    const channel = start % width;
    for (let i = 0; i < groupSize; i++) {
      out[start + i] = (x[start + i] - mean) * scale * weight[channel + i] + bias[channel + i];
    }
  }
}

/**
 * Y = X·Wᵀ for a chunk of `rows` input rows: X is [rows, in], W is [out, in], Y is [rows, out];
 * Y[t][o] = Σ_i W[o][i]·X[t][i]. (The linear layers; one row is y = W·x.)
 */
export function matMat(weight: Float32Array, x: Float32Array, rows: number, out?: Float32Array): Float32Array {
  const inDim = rowCount(x.length, rows, 'matMat input');
  const outDim = rowCount(weight.length, inDim, 'matMat weight');
  const y = out ?? new Float32Array(rows * outDim);
  checkLength(y, rows * outDim, 'matMat output');
  for (let o = 0; o < outDim; o++) {
    const w = o * inDim;
    for (let t = 0; t < rows; t++) {
      const xs = t * inDim;
      let sum = 0;
      for (let i = 0; i < inDim; i++) sum += weight[w + i] * x[xs + i];
      y[t * outDim + o] = sum;
    }
  }
  return y;
}

/** Elementwise a + b, broadcasting b over the rows of a when b is shorter (one row). */
export function add(a: Float32Array, b: Float32Array, out: Float32Array = new Float32Array(a.length)): Float32Array {
  rowCount(a.length, b.length, 'add');
  for (let i = 0; i < a.length; i++) out[i] = a[i] + b[i % b.length];
  return out;
}

/** Elementwise a · b, broadcasting b over the rows of a when b is shorter (one row). */
export function mul(a: Float32Array, b: Float32Array, out: Float32Array = new Float32Array(a.length)): Float32Array {
  rowCount(a.length, b.length, 'mul');
  for (let i = 0; i < a.length; i++) out[i] = a[i] * b[i % b.length];
  return out;
}

/** σ(x) = 1 / (1 + e^−x), elementwise. */
export function sigmoid(x: Float32Array, out: Float32Array = new Float32Array(x.length)): Float32Array {
  for (let i = 0; i < x.length; i++) out[i] = 1 / (1 + Math.exp(-x[i]));
  return out;
}

/** SiLU(x) = x · σ(x), elementwise. */
export function silu(x: Float32Array, out: Float32Array = new Float32Array(x.length)): Float32Array {
  for (let i = 0; i < x.length; i++) out[i] = x[i] / (1 + Math.exp(-x[i]));
  return out;
}

/** tanh(x), elementwise. */
export function tanh(x: Float32Array, out: Float32Array = new Float32Array(x.length)): Float32Array {
  for (let i = 0; i < x.length; i++) out[i] = Math.tanh(x[i]);
  return out;
}

/** max(x, 0)², elementwise (the channel-mix activation). */
export function squaredRelu(x: Float32Array, out: Float32Array = new Float32Array(x.length)): Float32Array {
  for (let i = 0; i < x.length; i++) {
    const r = x[i] > 0 ? x[i] : 0;
    out[i] = r * r;
  }
  return out;
}

/**
 * Token shift of a chunk: the row before each row. xPrev[0] = carry (the last row of the previous chunk, kept in
 * the state), xPrev[t] = x[t − 1]; then carry ← x[rows − 1].
 */
export function tokenShift(
  x: Float32Array,
  carry: Float32Array,
  out: Float32Array = new Float32Array(x.length),
): Float32Array {
  const width = carry.length;
  const rows = rowCount(x.length, width, 'tokenShift input');
  out.set(carry, 0);
  out.set(x.subarray(0, (rows - 1) * width), width);
  carry.set(x.subarray((rows - 1) * width));
  return out;
}

/** v4/v5 token-shift mix: y = x · mix + xPrev · (1 − mix), mix one row broadcast over the rows. */
export function lerpMix(
  x: Float32Array,
  xPrev: Float32Array,
  mix: Float32Array,
  out: Float32Array = new Float32Array(x.length),
): Float32Array {
  const width = mix.length;
  rowCount(x.length, width, 'lerpMix');
  for (let i = 0; i < x.length; i++) {
    const m = mix[i % width];
    out[i] = x[i] * m + xPrev[i] * (1 - m);
  }
  return out;
}

/** v6/v7 token-shift mix: y = x + (xPrev − x) · mix, mix one row broadcast over the rows. */
export function shiftMix(
  x: Float32Array,
  xPrev: Float32Array,
  mix: Float32Array,
  out: Float32Array = new Float32Array(x.length),
): Float32Array {
  const width = mix.length;
  rowCount(x.length, width, 'shiftMix');
  for (let i = 0; i < x.length; i++) out[i] = x[i] + (xPrev[i] - x[i]) * mix[i % width];
  return out;
}

/**
 * v6 data-dependent token-shift mix: y = x + (xPrev − x) · (mix + offset), mix one row broadcast over the rows,
 * offset one row per token (the LoRA output).
 */
export function shiftMixWithOffset(
  x: Float32Array,
  xPrev: Float32Array,
  mix: Float32Array,
  offset: Float32Array,
  out: Float32Array = new Float32Array(x.length),
): Float32Array {
  const width = mix.length;
  rowCount(x.length, width, 'shiftMixWithOffset');
  checkLength(offset, x.length, 'shiftMixWithOffset offset');
  for (let i = 0; i < x.length; i++) out[i] = x[i] + (xPrev[i] - x[i]) * (mix[i % width] + offset[i]);
  return out;
}

/** Per-head L2 normalisation: each group of `headSize` floats is divided by max(‖group‖₂, eps). */
export function l2NormalizeHeads(
  x: Float32Array,
  headSize: number,
  eps = 1e-12,
  out: Float32Array = new Float32Array(x.length),
): Float32Array {
  const groups = rowCount(x.length, headSize, 'l2NormalizeHeads');
  for (let g = 0; g < groups; g++) {
    const start = g * headSize;
    let squares = 0;
    for (let i = 0; i < headSize; i++) squares += x[start + i] * x[start + i];
    const scale = 1 / Math.max(Math.sqrt(squares), eps);
    for (let i = 0; i < headSize; i++) out[start + i] = x[start + i] * scale;
  }
  return out;
}

/**
 * v4 WKV, one token, numerically stable (every channel c on its own; u = timeFirst, w = timeDecay = −exp(w_pth)):
 *   out = (e^pp·aa + e^(u+k)·v) / (e^pp·bb + e^(u+k))          computed with q = max(pp, u + k) subtracted
 *   aa' = e^(pp+w)·aa + e^k·v,  bb' = e^(pp+w)·bb + e^k,  pp' = max(pp + w, k)   (aa', bb' scaled by e^−pp')
 * aa, bb, pp are updated in place.
 */
export function wkv4Step(
  k: Float32Array,
  v: Float32Array,
  timeFirst: Float32Array,
  timeDecay: Float32Array,
  aa: Float32Array,
  bb: Float32Array,
  pp: Float32Array,
  out: Float32Array = new Float32Array(k.length),
): Float32Array {
  for (let c = 0; c < k.length; c++) {
    const ww = timeFirst[c] + k[c];
    const q = Math.max(pp[c], ww);
    const e1 = Math.exp(pp[c] - q);
    const e2 = Math.exp(ww - q);
    out[c] = (e1 * aa[c] + e2 * v[c]) / (e1 * bb[c] + e2);
    const decayed = pp[c] + timeDecay[c];
    const q2 = Math.max(decayed, k[c]);
    const d1 = Math.exp(decayed - q2);
    const d2 = Math.exp(k[c] - q2);
    aa[c] = d1 * aa[c] + d2 * v[c];
    bb[c] = d1 * bb[c] + d2;
    pp[c] = q2;
  }
  return out;
}

/**
 * v5 WKV, one token, per head with matrix state S (S[i][j]: i value, j key), decay w and bonus u per key channel:
 *   out_i  = Σ_j r_j · (S[i][j] + u_j · k_j · v_i)
 *   S'[i][j] = S[i][j] · w_j + k_j · v_i
 * v5.1 passes its per-head w and u repeated over the head's channels; v5.2 its [H, S] tensors. `state` (H·S·S
 * floats) is updated in place.
 */
export function wkv5Step(
  r: Float32Array,
  k: Float32Array,
  v: Float32Array,
  decay: Float32Array,
  bonus: Float32Array,
  state: Float32Array,
  headSize: number,
  out: Float32Array = new Float32Array(r.length),
): Float32Array {
  const heads = rowCount(r.length, headSize, 'wkv5Step');
  checkLength(state, heads * headSize * headSize, 'wkv5Step state');
  for (let h = 0; h < heads; h++) {
    const base = h * headSize;
    for (let i = 0; i < headSize; i++) {
      const vi = v[base + i];
      const row = (base + i) * headSize;
      let sum = 0;
      for (let j = 0; j < headSize; j++) {
        const kv = k[base + j] * vi;
        const s = state[row + j];
        sum += r[base + j] * (s + bonus[base + j] * kv);
        state[row + j] = s * decay[base + j] + kv;
      }
      out[base + i] = sum;
    }
  }
  return out;
}

/**
 * v6 WKV, one token: the v5 step (see wkv5Step) with a data-dependent decay w = exp(−exp(time_decay + LoRA(x)))
 * computed per token by the caller; u = time_faaaa.
 */
export const wkv6Step = wkv5Step;

/**
 * v7 WKV (generalised delta rule), one token, per head with matrix state S (S[i][j]: i value, j key); the caller
 * passes a = −κ̂ and b = κ̂ · iclr (κ̂ the L2-normalised key):
 *   sa_i     = Σ_j a_j · S[i][j]
 *   S'[i][j] = S[i][j] · w_j + v_i · k_j + sa_i · b_j
 *   out_i    = Σ_j S'[i][j] · r_j
 * `state` (H·S·S floats) is updated in place.
 */
export function wkv7Step(
  r: Float32Array,
  w: Float32Array,
  k: Float32Array,
  v: Float32Array,
  a: Float32Array,
  b: Float32Array,
  state: Float32Array,
  headSize: number,
  out: Float32Array = new Float32Array(r.length),
): Float32Array {
  const heads = rowCount(r.length, headSize, 'wkv7Step');
  checkLength(state, heads * headSize * headSize, 'wkv7Step state');
  for (let h = 0; h < heads; h++) {
    const base = h * headSize;
    for (let i = 0; i < headSize; i++) {
      const row = (base + i) * headSize;
      let sa = 0;
      for (let j = 0; j < headSize; j++) sa += a[base + j] * state[row + j];
      const vi = v[base + i];
      let sum = 0;
      for (let j = 0; j < headSize; j++) {
        const s = state[row + j] * w[base + j] + vi * k[base + j] + sa * b[base + j];
        state[row + j] = s;
        sum += s * r[base + j];
      }
      out[base + i] = sum;
    }
  }
  return out;
}
