/**
 * Host side of shaders/matvec.wgsl: y = act(W·x) for a batch of vectors (decode), per row part of a split matrix,
 * its partial sums reduced by a workgroup-memory tree or, with `subgroups`, by subgroupAdd. Bindings: [weights part,
 * x, y]. The grouped form runs several independent products whose matrices share one buffer in one dispatch:
 * bindings [weights buffer, x, y, y2, the member table (a uniform of `memberTable`)].
 */
import source from '../../../shaders/matvec.wgsl?raw';
import type { KernelDispatch } from '../kernel-runner.js';
import { resolveWgslForSubgroups } from '../wgsl.js';
import { matrixPartBytes, weightFormatId, weightPlace, type WeightFormat } from '../matrix-layout.js';
import { ACTIVATIONS, type Activation } from './activation.js';
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
    workgroups: [x, y, 1],
  };
}

/** Most members of one grouped product (MAX_MEMBERS of shaders/matvec.wgsl). */
export const MAX_GROUPED_MEMBERS = 8;
/** u32 words per member in the member table (three vec4<u32>). */
const MEMBER_WORDS = 12;

/** One product y = act(W·x) of a grouped dispatch. */
export interface GroupedMember {
  rows: number;
  columns: number;
  /** Where W starts in the weights binding (a multiple of 16). */
  byteOffset: number;
  activation?: Activation;
  /** Float offset of its x rows [B, columns] in x. */
  xOffset: number;
  /** Float offset of its y rows [B, rows] in its output binding. */
  yOffset: number;
  /** Its output binding: 0 y, 1 y2. */
  output: 0 | 1;
}

export interface GroupedMatVecShape {
  /** The format of every member's matrix. */
  format: WeightFormat;
  members: readonly GroupedMember[];
  /** Vectors per member (sessions); default 1. */
  batch?: number;
  subgroups?: boolean;
}

function checkMembers(members: readonly GroupedMember[]): void {
  checkCount('grouped matvec members', members.length, MAX_GROUPED_MEMBERS);
  for (const member of members) {
    checkCount('grouped matvec rows', member.rows);
    checkCount('grouped matvec columns', member.columns);
  }
}

/** The member table of shaders/matvec.wgsl `grouped` (binding 4): MAX_GROUPED_MEMBERS entries, unused ones 0. */
export function memberTable(format: WeightFormat, members: readonly GroupedMember[]): Uint32Array {
  checkMembers(members);
  const table = new Uint32Array(MAX_GROUPED_MEMBERS * MEMBER_WORDS);
  members.forEach((member, m) => {
    const place = weightPlace(format, member.rows, member.columns, member.byteOffset);
    const activation = ACTIVATIONS[member.activation ?? 'identity'];
    table.set(
      [member.rows, member.columns, activation, member.output, place.values, place.highBits, place.scales, 0],
      m * MEMBER_WORDS,
    );
    table.set([member.xOffset, member.yOffset], m * MEMBER_WORDS + 8);
  });
  return table;
}

/**
 * The grouped matrix-vector products of `shape.members` (their table bound at binding 4) for a batch of vectors. The
 * bench counts the members' weights as what the dispatch reads of the weights binding.
 */
export function groupedMatVecKernel(shape: GroupedMatVecShape): KernelDispatch {
  const batch = shape.batch ?? 1;
  checkCount('matvec batch', batch, MAX_MATVEC_BATCH);
  checkMembers(shape.members);
  const totalRows = shape.members.reduce((sum, member) => sum + member.rows, 0);
  const rowsPerWorkgroup = defaultRowsPerWorkgroup(totalRows, batch);
  const workgroupCount = shape.members.reduce((sum, member) => sum + ceilDiv(member.rows, rowsPerWorkgroup), 0);
  const [x, y] = linearGrid(workgroupCount);
  const weightBytes = shape.members.reduce(
    (sum, member) => sum + matrixPartBytes(shape.format, member.rows, member.columns),
    0,
  );
  return {
    kernel: {
      label: shape.subgroups ? 'matvec grouped subgroups' : 'matvec grouped',
      code: code(shape.subgroups ?? false),
      entryPoint: 'grouped',
      constants: {
        WEIGHT_FORMAT: weightFormatId(shape.format),
        MEMBERS: shape.members.length,
        BATCH: batch,
        ROWS_PER_WORKGROUP: rowsPerWorkgroup,
        WORKGROUP_SIZE: 64,
      },
    },
    workgroups: [x, y, 1],
    partialReads: { 0: weightBytes },
  };
}
