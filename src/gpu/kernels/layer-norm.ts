/**
 * Host side of shaders/layer-norm.wgsl: LayerNorm (groups = 1) or per-head GroupNorm (groups = H) of N rows.
 * Bindings: [x, weight, bias, y].
 */
import source from '../../../shaders/layer-norm.wgsl?raw';
import type { KernelDispatch } from '../kernel-runner.js';
import { resolveWgslForSubgroups } from '../wgsl.js';
import { checkCount, MAX_WORKGROUPS_PER_DIMENSION } from './grid.js';

const code = resolveWgslForSubgroups(source);

export interface LayerNormShape {
  channels: number;
  rows: number;
  /** 1 for LayerNorm, H for the per-head GroupNorm; default 1. */
  groups?: number;
  /** Default 1e-5. */
  eps?: number;
  /** Reduce with subgroupAdd (a device with the `subgroups` feature); default: the workgroup-memory tree. */
  subgroups?: boolean;
}

export function layerNormKernel(shape: LayerNormShape): KernelDispatch {
  const groups = shape.groups ?? 1;
  checkCount('norm groups', groups, MAX_WORKGROUPS_PER_DIMENSION);
  checkCount('norm rows', shape.rows, MAX_WORKGROUPS_PER_DIMENSION);
  if (!Number.isInteger(shape.channels / groups) || shape.channels < groups) {
    throw new RangeError(`norm: ${shape.channels} channels do not split into ${groups} equal groups`);
  }
  return {
    kernel: {
      label: `${groups === 1 ? 'layer-norm' : 'group-norm'}${shape.subgroups ? ' subgroups' : ''}`,
      code: code(shape.subgroups ?? false),
      constants: { GROUP_SIZE: shape.channels / groups, GROUPS: groups, EPS: shape.eps ?? 1e-5 },
    },
    workgroups: [groups, shape.rows, 1],
  };
}
