/** Host side of shaders/bias-activation.wgsl: y = act(x + bias) over N rows (LoRA tails). Bindings: [x, bias, y]. */
import source from '../../../shaders/bias-activation.wgsl?raw';
import type { KernelDispatch } from '../kernel-runner.js';
import { resolveWgsl } from '../wgsl.js';
import { ACTIVATIONS } from './activation.js';
import type { Activation } from './activation.js';
import { channelRowsDispatch } from './grid.js';

const CODE = resolveWgsl(source);

export interface BiasActivationShape {
  channels: number;
  rows: number;
  activation: Activation;
}

export function biasActivationKernel(shape: BiasActivationShape): KernelDispatch {
  return channelRowsDispatch(
    { label: 'bias-activation', code: CODE, constants: { ACTIVATION: ACTIVATIONS[shape.activation] } },
    shape.channels,
    shape.rows,
  );
}
