/**
 * The reference primitives against hand-computed values and against direct (non-stabilised, f64) formulas.
 */
import { describe, expect, it } from 'vitest';
import {
  groupNorm,
  l2NormalizeHeads,
  layerNorm,
  lerpMix,
  matMat,
  shiftMix,
  shiftMixWithOffset,
  sigmoid,
  silu,
  squaredRelu,
  tokenShift,
  wkv4Step,
  wkv5Step,
  wkv7Step,
} from '../../src/cpu/ops.js';

const f32 = (values: number[]): Float32Array => Float32Array.from(values);

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs(actual[i] - expected[i]), `index ${i}: ${actual[i]} vs ${expected[i]}`).toBeLessThanOrEqual(
      tolerance,
    );
  }
}

describe('norms', () => {
  it('layerNorm of [1, 2, 3, 4] matches the hand-computed values', () => {
    // mean 2.5, var 1.25: (x − 2.5) / sqrt(1.25 + 1e-5)
    const s = Math.sqrt(1.25 + 1e-5);
    const y = layerNorm(f32([1, 2, 3, 4]), f32([1, 2, 1, 1]), f32([0, 0, 1, 0]), 1e-5);
    expectClose(y, [-1.5 / s, (-0.5 / s) * 2, 0.5 / s + 1, 1.5 / s], 1e-6);
  });

  it('layerNorm normalises every row of a chunk on its own', () => {
    const y = layerNorm(f32([1, 3, 10, 30]), f32([1, 1]), f32([0, 0]), 0);
    expectClose(y, [-1, 1, -1, 1], 1e-6);
  });

  it('groupNorm normalises each head separately, then applies the per-channel affine', () => {
    const y = groupNorm(f32([1, 3, 5, 9]), 2, f32([1, 1, 2, 2]), f32([0, 0, 0, 1]), 0);
    expectClose(y, [-1, 1, -2, 3], 1e-6);
  });

  it('l2NormalizeHeads divides each head by its norm', () => {
    expectClose(l2NormalizeHeads(f32([3, 4, 0, 2]), 2), [0.6, 0.8, 0, 1], 1e-7);
  });
});

describe('linear algebra and activations', () => {
  it('matMat of one row uses the [out, in] layout', () => {
    // W = [[1, 2, 3], [4, 5, 6]]
    expectClose(matMat(f32([1, 2, 3, 4, 5, 6]), f32([1, 0, -1]), 1), [-2, -2], 0);
  });

  it('matMat multiplies every row', () => {
    const w = f32([1, 2, 3, 4, 5, 6]);
    expectClose(matMat(w, f32([1, 0, -1, 2, 1, 0]), 2), [-2, -2, 4, 13], 0);
  });

  it('activations', () => {
    expectClose(sigmoid(f32([0, 2])), [0.5, 1 / (1 + Math.exp(-2))], 1e-7);
    expectClose(silu(f32([0, 2])), [0, 2 / (1 + Math.exp(-2))], 1e-6);
    expectClose(squaredRelu(f32([-3, 3])), [0, 9], 0);
  });
});

describe('token shift and mixes', () => {
  it('tokenShift feeds the carry, then the previous rows, and keeps the last row', () => {
    const carry = f32([7, 8]);
    const prev = tokenShift(f32([1, 2, 3, 4, 5, 6]), carry);
    expectClose(prev, [7, 8, 1, 2, 3, 4], 0);
    expectClose(carry, [5, 6], 0);
  });

  it('lerpMix and shiftMix', () => {
    const x = f32([1, 2]);
    const prev = f32([3, 6]);
    expectClose(lerpMix(x, prev, f32([0.25, 1])), [0.25 + 2.25, 2], 1e-7);
    expectClose(shiftMix(x, prev, f32([0.25, 1])), [1.5, 6], 1e-7);
    expectClose(shiftMixWithOffset(x, prev, f32([0.25, 1]), f32([0.25, -1])), [2, 2], 1e-7);
  });
});

describe('wkv4Step', () => {
  it('matches the direct, non-stabilised formula in f64 over several tokens', () => {
    const channels = 3;
    const u = [0.3, -0.5, 1.1];
    const w = [-0.2, -1.5, -0.05];
    const tokens = [
      { k: [0.1, -0.4, 0.9], v: [1, -2, 0.5] },
      { k: [-1.2, 0.3, 0.2], v: [0.25, 3, -1] },
      { k: [0.7, 0.7, -0.6], v: [-0.5, 0.1, 2] },
      { k: [0.05, -2, 1.5], v: [2, 1, -3] },
    ];
    const aa = new Float32Array(channels);
    const bb = new Float32Array(channels);
    const pp = new Float32Array(channels).fill(-1e30);
    const num = [0, 0, 0];
    const den = [0, 0, 0];
    for (const { k, v } of tokens) {
      const out = wkv4Step(f32(k), f32(v), f32(u), f32(w), aa, bb, pp);
      for (let c = 0; c < channels; c++) {
        const expected = (num[c] + Math.exp(u[c] + k[c]) * v[c]) / (den[c] + Math.exp(u[c] + k[c]));
        expect(Math.abs(out[c] - expected)).toBeLessThan(1e-6);
        num[c] = Math.exp(w[c]) * num[c] + Math.exp(k[c]) * v[c];
        den[c] = Math.exp(w[c]) * den[c] + Math.exp(k[c]);
      }
    }
  });
});

describe('wkv5Step', () => {
  it('matches a hand-computed single head of size 2 over two tokens', () => {
    const state = new Float32Array(4);
    const decay = f32([0.5, 0.25]);
    const bonus = f32([2, 1]);
    // token 1: state 0 → out_i = Σ_j r_j·u_j·k_j·v_i
    const out1 = wkv5Step(f32([1, 1]), f32([1, 2]), f32([3, 4]), decay, bonus, state, 2);
    // Σ_j r_j u_j k_j = 1·2·1 + 1·1·2 = 4
    expectClose(out1, [12, 16], 1e-6);
    // S[i][j] = k_j v_i
    expectClose(state, [3, 6, 4, 8], 0);
    const out2 = wkv5Step(f32([1, 0]), f32([1, 0]), f32([1, 1]), decay, bonus, state, 2);
    // out_i = r_0·(S[i][0] + u_0·k_0·v_i) = S[i][0] + 2
    expectClose(out2, [5, 6], 1e-6);
    expectClose(state, [3 * 0.5 + 1, 6 * 0.25, 4 * 0.5 + 1, 8 * 0.25], 0);
  });
});

describe('wkv7Step', () => {
  it('matches the matrix form S′ = S·diag(w) + S·a·bᵀ + v·kᵀ, out = S′·r', () => {
    const n = 3;
    const state = f32([0.1, -0.2, 0.3, 0.4, 0.5, -0.6, -0.7, 0.8, 0.9]);
    const before = Array.from(state);
    const r = [0.5, -1, 2];
    const w = [0.9, 0.7, 0.95];
    const k = [1, -0.5, 0.25];
    const v = [-1, 2, 0.5];
    const a = [-0.6, 0.8, 0];
    const b = [0.3, -0.4, 0];
    const out = wkv7Step(f32(r), f32(w), f32(k), f32(v), f32(a), f32(b), state, n);
    for (let i = 0; i < n; i++) {
      let sa = 0;
      for (let j = 0; j < n; j++) sa += before[i * n + j] * a[j];
      let y = 0;
      for (let j = 0; j < n; j++) {
        const s = before[i * n + j] * w[j] + sa * b[j] + v[i] * k[j];
        expect(Math.abs(state[i * n + j] - s)).toBeLessThan(1e-6);
        y += s * r[j];
      }
      expect(Math.abs(out[i] - y)).toBeLessThan(1e-6);
    }
  });
});
