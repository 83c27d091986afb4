/** Host side of shaders/embedding.wgsl: gathers embedding rows, one dispatch per row part. Bindings: [tokens, part, out]. */
import source from '../../../shaders/embedding.wgsl?raw';
import type { GpuMatrix } from '../gpu-matrix.js';
import type { Binding, KernelDispatch, KernelRunner } from '../kernel-runner.js';
import { chunksPerRow } from '../matrix-layout.js';
import type { WeightFormat } from '../matrix-layout.js';
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
        PACKED_F16: Number(shape.format === 'f16'),
      },
    },
    workgroups: [ceilDiv(chunksPerRow(shape.columns, shape.format), 64), shape.tokens, 1],
  };
}

/** Encodes out[n] = table[tokens[n]] for `tokenCount` tokens over every part of `table`. */
export function encodeEmbedding(
  runner: KernelRunner,
  pass: GPUComputePassEncoder,
  table: GpuMatrix,
  tokens: Binding,
  tokenCount: number,
  out: Binding,
): void {
  for (const part of table.parts) {
    const dispatch = embeddingKernel({
      columns: table.columns,
      rows: part.rowCount,
      rowStart: part.firstRow,
      format: table.format,
      tokens: tokenCount,
    });
    runner.encode(pass, dispatch, [tokens, part.buffer, out]);
  }
}
