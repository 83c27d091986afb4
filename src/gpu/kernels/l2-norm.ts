/** Host side of shaders/l2-norm.wgsl: v7's per-head L2 normalisation of a scaled key, a workgroup per head and row. */
import source from '../../../shaders/l2-norm.wgsl?raw';
import type { KernelDispatch } from '../kernel-runner.js';
import { checkCount, MAX_WORKGROUPS_PER_DIMENSION } from './grid.js';

/** Bindings [x, scale, out]: out = x ⊙ scale / ‖x ⊙ scale‖ per head, for `rows` rows. */
export function l2NormKernel(heads: number, headSize: number, rows: number): KernelDispatch {
  checkCount('l2-norm heads', heads, MAX_WORKGROUPS_PER_DIMENSION);
  checkCount('l2-norm head size', headSize, 256);
  checkCount('l2-norm rows', rows, MAX_WORKGROUPS_PER_DIMENSION);
  return {
    kernel: { label: 'l2-norm', code: source, constants: { HEAD_SIZE: headSize } },
    workgroups: [heads, rows, 1],
  };
}
