/**
 * Host side of shaders/matvec.wgsl: y = act(W·x) for a batch of vectors (decode), per row part of a split matrix,
 * its partial sums reduced by a workgroup-memory tree or, with `subgroups`, by subgroupAdd. Bindings: [weights part,
 * x, y].
 */
import source from '../../../shaders/matvec.wgsl?raw';
import type { KernelDispatch } from '../kernel-runner.js';
import { resolveWgslForSubgroups } from '../wgsl.js';
import { ceilDiv, checkCount, linearGrid } from './grid.js';
import { productConstants, TARGET_WORKGROUPS, type ProductEpilogue, type ProductShape } from './matrix-product.js';

const code = resolveWgslForSubgroups(source);

/** Largest batch one matvec dispatch takes (BATCH · ROWS_PER_WORKGROUP ≤ 32 sums per invocation); use matmat above. */
export const MAX_MATVEC_BATCH = 32;

const MAX_ROWS_PER_WORKGROUP = 8;

/**
 * Rows per workgroup: a power of two, as many as keep TARGET_WORKGROUPS workgroups busy (a workgroup owning more rows
 * issues more independent loads per step and shares the reduction), capped by the register budget for the batch.
 */
export function defaultRowsPerWorkgroup(rows: number, batch: number): number {
  const cap = Math.min(MAX_ROWS_PER_WORKGROUP, Math.floor(MAX_MATVEC_BATCH / batch));
  let chosen = 1;
  while (chosen * 2 <= cap && rows / (chosen * 2) >= TARGET_WORKGROUPS) chosen *= 2;
  return chosen;
}

export interface MatVecEpilogue extends ProductEpilogue {
  /** Vectors in x (sessions); default 1. */
  batch?: number;
  /** Reduce with subgroupAdd (a device with the `subgroups` feature); default: the workgroup-memory tree. */
  subgroups?: boolean;
}

export interface MatVecShape extends MatVecEpilogue, ProductShape {
  rowsPerWorkgroup?: number;
  workgroupSize?: number;
}

export function matVecKernel(shape: MatVecShape): KernelDispatch {
  const batch = shape.batch ?? 1;
  const groups = shape.groups ?? 1;
  const rowsPerWorkgroup = shape.rowsPerWorkgroup ?? defaultRowsPerWorkgroup(shape.rows, batch);
  const workgroupSize = shape.workgroupSize ?? 64;
  checkCount('matvec batch', batch, MAX_MATVEC_BATCH);
  checkCount(
    'matvec rows per workgroup',
    rowsPerWorkgroup,
    Math.min(MAX_ROWS_PER_WORKGROUP, Math.floor(MAX_MATVEC_BATCH / batch)),
  );
  checkCount('matvec input width', shape.inWidth);
  checkCount('matvec rows', shape.rows);
  if ((workgroupSize & (workgroupSize - 1)) !== 0 || workgroupSize < batch * rowsPerWorkgroup) {
    throw new RangeError(`matvec workgroup size ${workgroupSize} must be a power of two ≥ batch · rows per workgroup`);
  }
  const [x, y] = linearGrid(ceilDiv(shape.rows, rowsPerWorkgroup));
  return {
    kernel: {
      label: shape.subgroups ? 'matvec subgroups' : 'matvec',
      code: code(shape.subgroups ?? false),
      constants: {
        ...productConstants(shape),
        BATCH: batch,
        ROWS_PER_WORKGROUP: rowsPerWorkgroup,
        WORKGROUP_SIZE: workgroupSize,
      },
    },
    workgroups: [x, y, groups],
  };
}
