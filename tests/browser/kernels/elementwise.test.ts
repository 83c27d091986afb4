/** shaders/gate.wgsl and shaders/bias-activation.wgsl against the CPU oracle's activations. */
import { describe, it } from 'vitest';
import type { Activation } from '../../../src/gpu/kernels/activation.js';
import { biasActivationKernel } from '../../../src/gpu/kernels/bias-activation.js';
import { gateKernel } from '../../../src/gpu/kernels/gate.js';
import { add, mul, sigmoid, silu, squaredRelu, tanh } from '../../../src/cpu/ops.js';
import { expectClose, inout, output, randomArray, runKernel } from '../gpu-harness.js';

const channels = 37;
const rows = 3;
const x = randomArray(rows * channels, 71, 4);
const g = randomArray(rows * channels, 72, 4);

const oracle: Record<Activation, (values: Float32Array) => Float32Array> = {
  identity: (values) => values.slice(),
  tanh: (values) => tanh(values),
  sigmoid: (values) => sigmoid(values),
  squaredRelu: (values) => squaredRelu(values),
  silu: (values) => silu(values),
};

describe('gate kernel', () => {
  it('is the receptance gate σ(r)·kv added into the residual', async () => {
    const residual = randomArray(rows * channels, 73);
    const [y] = await runKernel(gateKernel(channels, rows), [g, x, inout(residual)]);
    expectClose(y, add(mul(sigmoid(g), x), residual), 1e-6);
  });
});

describe('bias-activation kernel', () => {
  const bias = randomArray(channels, 74, 8);
  for (const activation of Object.keys(oracle) as Activation[]) {
    it(`is ${activation}(x + bias)`, async () => {
      const [y] = await runKernel(biasActivationKernel({ channels, rows, activation }), [x, bias, output(x.length)]);
      expectClose(y, oracle[activation](add(x, bias)), 1e-6);
    });
  }
});
