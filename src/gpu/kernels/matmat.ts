/**
 * Host side of shaders/matmat.wgsl: Y = act(X·Wᵀ) over a chunk of token rows (prefill), per row part of a split
 * matrix. Bindings: [shape uniform, weights part, x, y]; the shape uniform holds the number of X rows.
 */
import source from '../../../shaders/matmat.wgsl?raw';
import { uploadBuffer, UNIFORM } from '../buffers.js';
import type { GpuMatrix } from '../gpu-matrix.js';
import type { Binding, KernelDispatch, KernelRunner } from '../kernel-runner.js';
import type { WeightFormat } from '../matrix-layout.js';
import { resolveWgsl } from '../wgsl.js';
import { ACTIVATIONS } from './activation.js';
import type { Activation } from './activation.js';
import { ceilDiv, checkCount, MAX_WORKGROUPS_PER_DIMENSION } from './grid.js';

const CODE = resolveWgsl(source);

/** Invocations per side of a workgroup (SIDE × SIDE). */
const SIDE = 8;

/** Tiles of Y one workgroup computes: 64 (8 × 8 outputs per invocation) or 32 (4 × 4). */
export type MatMatTile = 32 | 64;

/** Workgroups a product should spread over before it is worth the bigger (more reuse per load) 64-tiles. */
const TARGET_WORKGROUPS = 256;

/** 64-tiles when they still make TARGET_WORKGROUPS workgroups, else 32-tiles (small models on big GPUs). */
export function defaultTile(rows: number, tokens: number, groups = 1): MatMatTile {
  return ceilDiv(rows, 64) * ceilDiv(tokens, 64) * groups >= TARGET_WORKGROUPS ? 64 : 32;
}

export interface MatMatEpilogue {
  /** X rows (tokens); must equal the value in the shape uniform. */
  tokens: number;
  /** Stacked matrices (X rows hold `groups` inputs side by side; Y is [groups, tokens, outWidth]); default 1. */
  groups?: number;
  activation?: Activation;
  accumulate?: boolean;
}

export interface MatMatShape extends MatMatEpilogue {
  inWidth: number;
  rows: number;
  format: WeightFormat;
  outWidth?: number;
  rowOffset?: number;
  /** Default `defaultTile(rows, tokens, groups)`. */
  tile?: MatMatTile;
}

/** The uniform `{ rows }` binding of matmat (reuse one per chunk length). */
export function createShapeUniform(device: GPUDevice, rows: number): GPUBuffer {
  return uploadBuffer(device, new Uint32Array([rows, 0, 0, 0]), `shape rows=${rows}`, UNIFORM);
}

export function matMatKernel(shape: MatMatShape): KernelDispatch {
  const groups = shape.groups ?? 1;
  const tile = shape.tile ?? defaultTile(shape.rows, shape.tokens, groups);
  checkCount('matmat input width', shape.inWidth);
  checkCount('matmat rows', shape.rows, tile * MAX_WORKGROUPS_PER_DIMENSION);
  checkCount('matmat tokens', shape.tokens, tile * MAX_WORKGROUPS_PER_DIMENSION);
  return {
    kernel: {
      label: 'matmat',
      code: CODE,
      constants: {
        IN_WIDTH: shape.inWidth,
        ROWS: shape.rows,
        OUT_WIDTH: shape.outWidth ?? shape.rows,
        ROW_OFFSET: shape.rowOffset ?? 0,
        GROUPS: groups,
        ACCUMULATE: Number(shape.accumulate ?? false),
        PACKED_F16: Number(shape.format === 'f16'),
        ACTIVATION: ACTIVATIONS[shape.activation ?? 'identity'],
        SIDE,
        PER_SIDE: tile / SIDE,
      },
    },
    workgroups: [ceilDiv(shape.rows, tile), ceilDiv(shape.tokens, tile), groups],
  };
}

/** Encodes Y = act(X·Wᵀ) (or Y += …) for every row part of `matrix` (one dispatch per part). */
export function encodeMatMat(
  runner: KernelRunner,
  pass: GPUComputePassEncoder,
  matrix: GpuMatrix,
  shape: Binding,
  x: Binding,
  y: Binding,
  epilogue: MatMatEpilogue,
): void {
  const groups = epilogue.groups ?? 1;
  if (groups > 1 && matrix.parts.length > 1) throw new RangeError('a grouped matmat needs an unsplit matrix');
  for (const part of matrix.parts) {
    const dispatch = matMatKernel({
      ...epilogue,
      inWidth: matrix.columns,
      rows: part.rowCount / groups,
      outWidth: matrix.rows / groups,
      rowOffset: part.firstRow,
      format: matrix.format,
    });
    runner.encode(pass, dispatch, [shape, part.buffer, x, y]);
  }
}
