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

export function destroyMatrix(matrix: GpuMatrix): void {
  for (const part of matrix.parts) part.buffer.destroy();
}
