/**
 * Host side of shaders/matmat.wgsl: Y = act(X·Wᵀ) over a chunk of token rows (prefill), per row part of a split
 * matrix. Bindings: [shape uniform, weights part, x, y]; the shape uniform holds the number of X rows.
 */
import source from '../../../shaders/matmat.wgsl?raw';
import type { KernelDispatch } from '../kernel-runner.js';
import { resolveWgsl } from '../wgsl.js';
import { ceilDiv, checkCount, MAX_WORKGROUPS_PER_DIMENSION } from './grid.js';
import { productConstants, TARGET_WORKGROUPS, type ProductEpilogue, type ProductShape } from './matrix-product.js';

const CODE = resolveWgsl(source);

/** Invocations per side of a workgroup (SIDE × SIDE). */
const SIDE = 8;

/** Tiles of Y one workgroup computes: 64 (8 × 8 outputs per invocation) or 32 (4 × 4). */
export type MatMatTile = 32 | 64;

/**
 * 64-tiles (more reuse per load) when they still make TARGET_WORKGROUPS workgroups, else 32-tiles (small models on
 * big GPUs).
 */
export function defaultTile(rows: number, tokens: number): MatMatTile {
  return ceilDiv(rows, 64) * ceilDiv(tokens, 64) >= TARGET_WORKGROUPS ? 64 : 32;
}

export interface MatMatEpilogue extends ProductEpilogue {
  /** X rows (tokens); must equal the value in the shape uniform. */
  tokens: number;
}

export interface MatMatShape extends MatMatEpilogue, ProductShape {
  /** Default `defaultTile(rows, tokens)`. */
  tile?: MatMatTile;
}

export function matMatKernel(shape: MatMatShape): KernelDispatch {
  const tile = shape.tile ?? defaultTile(shape.rows, shape.tokens);
  checkCount('matmat input width', shape.inWidth);
  checkCount('matmat rows', shape.rows, tile * MAX_WORKGROUPS_PER_DIMENSION);
  checkCount('matmat tokens', shape.tokens, tile * MAX_WORKGROUPS_PER_DIMENSION);
  return {
    kernel: {
      label: 'matmat',
      code: CODE,
      constants: {
        ...productConstants(shape),
        SIDE,
        PER_SIDE: tile / SIDE,
      },
    },
    workgroups: [ceilDiv(shape.rows, tile), ceilDiv(shape.tokens, tile), 1],
  };
}
