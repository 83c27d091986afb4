/** Host side of shaders/gate.wgsl: y = act(g) · x (or y += …) over N rows. Bindings: [g, x, y]. */
import source from '../../../shaders/gate.wgsl?raw';
import type { KernelDispatch } from '../kernel-runner.js';
import { resolveWgsl } from '../wgsl.js';
import { ACTIVATIONS } from './activation.js';
import type { Activation } from './activation.js';
import { channelRowsDispatch } from './grid.js';

const CODE = resolveWgsl(source);

export interface GateShape {
  channels: number;
  rows: number;
  activation: Activation;
  accumulate?: boolean;
}

export function gateKernel(shape: GateShape): KernelDispatch {
  return channelRowsDispatch(
    {
      label: 'gate',
      code: CODE,
      constants: { ACTIVATION: ACTIVATIONS[shape.activation], ACCUMULATE: Number(shape.accumulate ?? false) },
    },
    shape.channels,
    shape.rows,
  );
}
