/**
 * What the two matrix-product kernels (shaders/matvec.wgsl, matmat.wgsl) share: the product's shape and epilogue,
 * the override constants they both declare, and how many workgroups a product should spread over.
 */
import { weightConstants, type WeightFormat } from '../matrix-layout.js';
import { ACTIVATIONS, type Activation } from './activation.js';

/** Workgroups a product should at least spread over before a kernel gives each workgroup more work. */
export const TARGET_WORKGROUPS = 256;

export interface ProductEpilogue {
  activation?: Activation;
  /** y += result instead of y = result. */
  accumulate?: boolean;
}

export interface ProductShape extends ProductEpilogue {
  inWidth: number;
  /** Rows of W in this binding. */
  rows: number;
  format: WeightFormat;
  /** Floats per output row; default `rows`. */
  outWidth?: number;
  /** First output column written (the part's first row in a split matrix); default 0. */
  rowOffset?: number;
}

/** The override constants both kernels declare, from `shape`. */
export function productConstants(shape: ProductShape): Record<string, number> {
  return {
    IN_WIDTH: shape.inWidth,
    ROWS: shape.rows,
    OUT_WIDTH: shape.outWidth ?? shape.rows,
    ROW_OFFSET: shape.rowOffset ?? 0,
    ACCUMULATE: Number(shape.accumulate ?? false),
    ...weightConstants(shape.format, shape.rows, shape.inWidth),
    ACTIVATION: ACTIVATIONS[shape.activation ?? 'identity'],
  };
}
