/**
 * The runtime's glue kernels (shaders/v6-decay.wgsl, v7-decay.wgsl, v7-value-residual.wgsl) against the formulas
 * of the CPU oracle (src/generations/v6/cpu-layer.ts, v7/cpu-layer.ts) on seeded random inputs of awkward sizes.
 */
import { describe, it } from 'vitest';
import { add, sigmoid } from '../../../src/cpu/ops.js';
import { elementwiseGlueKernel } from '../../../src/gpu/kernels/glue.js';
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
});
