/** Workgroup-count arithmetic shared by the kernel wrappers, and the dispatch shape most elementwise kernels share. */
import type { KernelDispatch } from '../kernel-runner.js';
import type { KernelSpec } from '../pipelines.js';

/** WebGPU's default (and minimum) maxComputeWorkgroupsPerDimension. */
export const MAX_WORKGROUPS_PER_DIMENSION = 65535;

export function ceilDiv(value: number, divisor: number): number {
  return Math.ceil(value / divisor);
}

/** Throws unless `value` is an integer in [1, max]. */
export function checkCount(what: string, value: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(`${what} must be an integer from 1 to ${max}, got ${value}`);
  }
}

/** `count` workgroups laid out as (x, y) with x ≤ 65535 (kernels linearise them as x + y · num_workgroups.x). */
export function linearGrid(count: number): [number, number] {
  const x = Math.min(count, MAX_WORKGROUPS_PER_DIMENSION);
  return [x, ceilDiv(count, x)];
}

/**
 * The dispatch of a kernel that runs one invocation per channel of each row: 64 channels a workgroup along x, one row
 * per y; the kernel reads the width as its constant CHANNELS.
 */
export function channelRowsDispatch(
  kernel: KernelSpec & { label: string },
  channels: number,
  rows: number,
): KernelDispatch {
  checkCount(`${kernel.label} channels`, channels);
  checkCount(`${kernel.label} rows`, rows, MAX_WORKGROUPS_PER_DIMENSION);
  return {
    kernel: { ...kernel, constants: { CHANNELS: channels, ...kernel.constants } },
    workgroups: [ceilDiv(channels, 64), rows, 1],
  };
}
