/** Host side of shaders/gate.wgsl: y += σ(g) · x over N rows (the channel mix's receptance gate). Bindings: [g, x, y]. */
import source from '../../../shaders/gate.wgsl?raw';
import type { KernelDispatch } from '../kernel-runner.js';
import { resolveWgsl } from '../wgsl.js';
import { channelRowsDispatch } from './grid.js';

const CODE = resolveWgsl(source);

export function gateKernel(channels: number, rows: number): KernelDispatch {
  return channelRowsDispatch({ label: 'gate', code: CODE }, channels, rows);
}
