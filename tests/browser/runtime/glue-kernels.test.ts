/**
 * The runtime's glue kernels (shaders/v6-decay.wgsl, v7-decay.wgsl, v7-value-residual.wgsl, v7-key-adjust.wgsl,
 * v7-bonus-gate.wgsl) against the formulas of the CPU oracle (src/generations/v6/cpu-layer.ts, v7/cpu-layer.ts) on seeded random inputs
 * of awkward sizes.
 */
import { describe, it } from 'vitest';
import { add, groupNorm, mul, sigmoid } from '../../../src/cpu/ops.js';
import { elementwiseGlueKernel, v7BonusGateKernel } from '../../../src/gpu/kernels/glue.js';
import { expectClose, inout, output, randomArray, runKernel } from '../gpu-harness.js';

const TOLERANCE = 1e-5;
const CHANNELS = 72;
const ROWS = 5;
const N = CHANNELS * ROWS;

describe('elementwise glue kernels', () => {
  it('v6-decay: w = exp(−exp(time_decay + lora))', async () => {
    const lora = randomArray(N, 1, 2);
    const timeDecay = randomArray(CHANNELS, 2, 3);
    const [w] = await runKernel(elementwiseGlueKernel('v6-decay', CHANNELS, ROWS), [lora, timeDecay, output(N)]);
    expectClose(
      w,
      add(lora, timeDecay).map((z) => Math.exp(-Math.exp(z))),
      TOLERANCE,
    );
  });

  it('v7-decay: w = exp(−e^−½ · σ(w0 + lora))', async () => {
    const lora = randomArray(N, 3, 4);
    const w0 = randomArray(CHANNELS, 4, 2);
    const [w] = await runKernel(elementwiseGlueKernel('v7-decay', CHANNELS, ROWS), [lora, w0, output(N)]);
    expectClose(
      w,
      sigmoid(add(lora, w0)).map((s) => Math.exp(-Math.exp(-0.5) * s)),
      TOLERANCE,
    );
  });

  it('v7-value-residual: v += (v_first − v) · σ(v0 + lora)', async () => {
    const v = randomArray(N, 5);
    const first = randomArray(N, 6);
    const lora = randomArray(N, 7, 3);
    const v0 = randomArray(CHANNELS, 8);
    const mix = sigmoid(add(lora, v0));
    const expected = v.map((value, i) => value + (first[i] - value) * mix[i]);
    const [out] = await runKernel(elementwiseGlueKernel('v7-value-residual', CHANNELS, ROWS), [
      inout(v),
      first,
      lora,
      v0,
    ]);
    expectClose(out, expected, TOLERANCE);
  });

  it('v7-key-adjust: k ·= 1 + (a − 1) · k_a', async () => {
    const k = randomArray(N, 9, 2);
    const a = sigmoid(randomArray(N, 10, 3));
    const kA = randomArray(CHANNELS, 11, 1.5);
    const expected = k.map((value, i) => value * (1 + (a[i] - 1) * kA[i % CHANNELS]));
    const [out] = await runKernel(elementwiseGlueKernel('v7-key-adjust', CHANNELS, ROWS), [inout(k), a, kA]);
    expectClose(out, expected, TOLERANCE);
  });
});

describe('v7-bonus-gate', () => {
  for (const [heads, headSize] of [
    [5, 8],
    [3, 24],
    [2, 64],
  ]) {
    it(`${heads} heads of ${headSize}, ${ROWS} rows`, async () => {
      const c = heads * headSize;
      const n = c * ROWS;
      const seed = heads * 100 + headSize;
      const y = groupNorm(randomArray(n, seed), heads, randomArray(c, seed + 1), randomArray(c, seed + 2), 64e-5);
      const [r, k, v] = [randomArray(n, seed + 3), randomArray(n, seed + 4), randomArray(n, seed + 5)];
      const g = randomArray(n, seed + 6);
      const rK = randomArray(c, seed + 7);
      const expected = y.slice();
      for (let row = 0; row < ROWS; row++) {
        for (let h = 0; h < heads; h++) {
          const base = row * c + h * headSize;
          let bonus = 0;
          for (let j = 0; j < headSize; j++) bonus += r[base + j] * k[base + j] * rK[h * headSize + j];
          for (let i = 0; i < headSize; i++) expected[base + i] += bonus * v[base + i];
        }
      }
      mul(expected, g, expected);
      const [out] = await runKernel(v7BonusGateKernel(heads, headSize, ROWS), [y, r, k, v, g, rK, output(n)]);
      expectClose(out, expected, TOLERANCE);
    });
  }
});
