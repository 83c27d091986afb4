/** Host side of shaders/bias-activation.wgsl: y = act(x + bias) over N rows (LoRA tails). Bindings: [x, bias, y]. */
import source from '../../../shaders/bias-activation.wgsl?raw';
import type { KernelDispatch } from '../kernel-runner.js';
import { resolveWgsl } from '../wgsl.js';
import { ACTIVATIONS } from './activation.js';
import type { Activation } from './activation.js';
import { ceilDiv, checkCount, MAX_WORKGROUPS_PER_DIMENSION } from './grid.js';

const CODE = resolveWgsl(source);

export interface BiasActivationShape {
  channels: number;
  rows: number;
  activation: Activation;
}

export function biasActivationKernel(shape: BiasActivationShape): KernelDispatch {
  checkCount('bias-activation channels', shape.channels);
  checkCount('bias-activation rows', shape.rows, MAX_WORKGROUPS_PER_DIMENSION);
  return {
    kernel: {
      label: 'bias-activation',
      code: CODE,
      constants: { CHANNELS: shape.channels, ACTIVATION: ACTIVATIONS[shape.activation] },
    },
    workgroups: [ceilDiv(shape.channels, 64), shape.rows, 1],
  };
}
