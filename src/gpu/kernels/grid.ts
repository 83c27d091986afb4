/** Workgroup-count arithmetic shared by the kernel wrappers. */

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
