/**
 * Weight matrices on the GPU: packed in the GPU matrix layout and split by rows when larger than one binding may be
 * (see matrix-layout.ts for both schemes).
 */
import { uploadBuffer } from './buffers.js';
import { packRows, planRowSplit, rowBytes } from './matrix-layout.js';
import type { RowPart, WeightFormat } from './matrix-layout.js';

export interface GpuMatrixPart extends RowPart {
  buffer: GPUBuffer;
}

export interface GpuMatrix {
  rows: number;
  columns: number;
  format: WeightFormat;
  /** One part unless the matrix exceeds the binding limit. */
  parts: GpuMatrixPart[];
}

/** The largest part a matrix may have on `device`. */
export function maxPartBytes(device: GPUDevice): number {
  return Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
}

/**
 * Uploads a row-major [rows, columns] f32 matrix as `format`, split into parts of at most `partLimit` bytes
 * (the device's limit by default; tests pass a tiny one to force a split).
 */
export function uploadMatrix(
  device: GPUDevice,
  data: Float32Array,
  rows: number,
  columns: number,
  format: WeightFormat,
  label: string,
  partLimit = maxPartBytes(device),
): GpuMatrix {
  if (data.length !== rows * columns) {
    throw new RangeError(`${label}: ${data.length} values do not make a [${rows}, ${columns}] matrix`);
  }
  const parts = planRowSplit(rows, rowBytes(columns, format), partLimit).map((part) => ({
    ...part,
    buffer: uploadBuffer(
      device,
      packRows(data, columns, format, part.firstRow, part.rowCount),
      `${label} rows ${part.firstRow}+${part.rowCount}`,
    ),
  }));
  return { rows, columns, format, parts };
}

/** What the matrix kernels (matvec, matmat) take of one row part: the widths, the part's rows and where they go. */
export interface MatrixPartShape {
  inWidth: number;
  rows: number;
  outWidth: number;
  rowOffset: number;
  format: WeightFormat;
}

/**
 * Each row part of `matrix` with its kernel shape. With `groups` > 1 the matrix holds `groups` stacked matrices
 * [groups · rows, columns] and must be in one part.
 */
export function matrixPartShapes(matrix: GpuMatrix, groups = 1): { part: GpuMatrixPart; shape: MatrixPartShape }[] {
  if (groups > 1 && matrix.parts.length > 1) throw new RangeError('a grouped matrix product needs an unsplit matrix');
  return matrix.parts.map((part) => ({
    part,
    shape: {
      inWidth: matrix.columns,
      rows: part.rowCount / groups,
      outWidth: matrix.rows / groups,
      rowOffset: part.firstRow,
      format: matrix.format,
    },
  }));
}

export function destroyMatrix(matrix: GpuMatrix): void {
  for (const part of matrix.parts) part.buffer.destroy();
}
