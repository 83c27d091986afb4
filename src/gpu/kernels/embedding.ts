/** Host side of shaders/embedding.wgsl: gathers embedding rows, one dispatch per row part. Bindings: [tokens, part, out]. */
import source from '../../../shaders/embedding.wgsl?raw';
import type { KernelDispatch } from '../kernel-runner.js';
import { CHUNK_BYTES, chunksPerRow, weightConstants, type WeightFormat } from '../matrix-layout.js';
import { resolveWgsl } from '../wgsl.js';
import { ceilDiv, checkCount, MAX_WORKGROUPS_PER_DIMENSION } from './grid.js';

const CODE = resolveWgsl(source);

export interface EmbeddingShape {
  columns: number;
  /** Rows of the table part bound, starting at table row `rowStart`. */
  rows: number;
  rowStart?: number;
  format: WeightFormat;
  tokens: number;
}

export function embeddingKernel(shape: EmbeddingShape): KernelDispatch {
  checkCount('embedding columns', shape.columns);
  checkCount('embedding rows', shape.rows);
  checkCount('embedding tokens', shape.tokens, MAX_WORKGROUPS_PER_DIMENSION);
  return {
    kernel: {
      label: 'embedding',
      code: CODE,
      constants: {
        COLUMNS: shape.columns,
        ROWS: shape.rows,
        ROW_START: shape.rowStart ?? 0,
        ...weightConstants(shape.format, shape.rows, shape.columns),
      },
    },
    workgroups: [ceilDiv(chunksPerRow(shape.columns, shape.format), 64), shape.tokens, 1],
    partialReads: { 1: Math.min(shape.tokens, shape.rows) * chunksPerRow(shape.columns, shape.format) * CHUNK_BYTES },
  };
}
