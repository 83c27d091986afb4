/** shaders/gate.wgsl against the CPU oracle's activations. */
import { describe, it } from 'vitest';
import { gateKernel } from '../../../src/gpu/kernels/gate.js';
import { add, mul, sigmoid } from '../../../src/cpu/ops.js';
import { expectClose, inout, randomArray, runKernel } from '../gpu-harness.js';

const channels = 37;
const rows = 3;
const x = randomArray(rows * channels, 71, 4);
const g = randomArray(rows * channels, 72, 4);

describe('gate kernel', () => {
  it('is the receptance gate σ(r)·kv added into the residual', async () => {
    const residual = randomArray(rows * channels, 73);
    const [y] = await runKernel(gateKernel(channels, rows), [g, x, inout(residual)]);
    expectClose(y, add(mul(sigmoid(g), x), residual), 1e-6);
  });
});
