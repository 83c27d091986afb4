/**
 * Host side of the runtime's glue kernels (shaders/v6-*.wgsl, shaders/v7-*.wgsl): the elementwise steps between
 * the shared kernels that are specific to one generation. Each returns the dispatch for N rows of C channels.
 */
import v6DecaySource from '../../../shaders/v6-decay.wgsl?raw';
import v7DecaySource from '../../../shaders/v7-decay.wgsl?raw';
import v7ValueResidualSource from '../../../shaders/v7-value-residual.wgsl?raw';
import type { KernelDispatch } from '../kernel-runner.js';
import { channelRowsDispatch } from './grid.js';

const ELEMENTWISE = {
  /** [lora, time_decay, w]: w = exp(−exp(time_decay + lora)). */
  'v6-decay': v6DecaySource,
  /** [lora, w0, w]: w = exp(−e^−½ · σ(w0 + lora)). */
  'v7-decay': v7DecaySource,
  /** [v, v_first, lora, v0]: v += (v_first − v) · σ(v0 + lora). */
  'v7-value-residual': v7ValueResidualSource,
} as const;

export type ElementwiseGlue = keyof typeof ELEMENTWISE;

export function elementwiseGlueKernel(name: ElementwiseGlue, channels: number, rows: number): KernelDispatch {
  return channelRowsDispatch({ label: name, code: ELEMENTWISE[name] }, channels, rows);
}
