/**
 * The runtime's glue kernel (shaders/v7-value-residual.wgsl) against the formula of the CPU oracle
 * (src/generations/v7/cpu-layer.ts) on seeded random inputs of awkward sizes.
 */
import { describe, it } from 'vitest';
import { add, sigmoid } from '../../../src/cpu/ops.js';
import { v7ValueResidualKernel } from '../../../src/gpu/kernels/glue.js';
import { expectClose, inout, randomArray, runKernel } from '../gpu-harness.js';

const TOLERANCE = 1e-5;
const CHANNELS = 72;
const ROWS = 5;
const N = CHANNELS * ROWS;

describe('v7 value residual glue kernel', () => {
  it('v7-value-residual: v += (v_first − v) · σ(v0 + lora)', async () => {
    const v = randomArray(N, 5);
    const first = randomArray(N, 6);
    const lora = randomArray(N, 7, 3);
    const v0 = randomArray(CHANNELS, 8);
    const mix = sigmoid(add(lora, v0));
    const expected = v.map((value, i) => value + (first[i] - value) * mix[i]);
    const [out] = await runKernel(v7ValueResidualKernel(CHANNELS, ROWS), [inout(v), first, lora, v0]);
    expectClose(out, expected, TOLERANCE);
  });
});
