/**
 * Host side of the runtime's glue kernel shaders/v7-value-residual.wgsl: RWKV-7's value residual, the one elementwise
 * step between the shared kernels that is specific to a generation (the others are folded into the WKV kernels).
 */
import v7ValueResidualSource from '../../../shaders/v7-value-residual.wgsl?raw';
import type { KernelDispatch } from '../kernel-runner.js';
import { channelRowsDispatch } from './grid.js';

/** Bindings [v, v_first, lora, v0]: v += (v_first − v) · σ(v0 + lora), for N rows of C channels. */
export function v7ValueResidualKernel(channels: number, rows: number): KernelDispatch {
  return channelRowsDispatch({ label: 'v7-value-residual', code: v7ValueResidualSource }, channels, rows);
}
