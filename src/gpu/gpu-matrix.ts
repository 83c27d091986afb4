/**
 * Weight matrices on the GPU: in the GPU matrix layout of their format (float: matrix-layout.ts, block-quantized:
 * block-layout.ts), split by rows when larger than one binding may be. Uploaded whole (`uploadMatrix` from f32
 * values, `uploadBlockMatrix` from ggml blocks) or allocated empty (`allocateMatrix`) for a streaming loader to
 * write run by run (src/runtime/weights.ts).
 */
import { createBuffer, uploadBuffer } from './buffers.js';
import { packBlockPart, type BlockFormat } from './block-layout.js';
import { matrixPartBytes, packRows, planMatrixParts } from './matrix-layout.js';
import type { FloatFormat, RowPart, WeightFormat } from './matrix-layout.js';

export interface GpuMatrixPart extends RowPart {
  buffer: GPUBuffer;
  /** Where the part starts in `buffer` (0 unless the buffer is shared: `shareBuffer`) and its bytes. */
  offset: number;
  size: number;
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

/** Bytes of GPU memory the matrix's parts take. */
export function matrixByteLength(matrix: GpuMatrix): number {
  return matrix.parts.reduce((sum, part) => sum + part.size, 0);
}

/** The part as a binding: its range of its buffer. */
export function partBinding(part: GpuMatrixPart): GPUBufferBinding {
  return { buffer: part.buffer, offset: part.offset, size: part.size };
}

/** A part of a fresh buffer of its own. */
function ownPart(part: RowPart, buffer: GPUBuffer): GpuMatrixPart {
  return { ...part, buffer, offset: 0, size: buffer.size };
}

function partLabel(label: string, part: RowPart): string {
  return `${label} rows ${part.firstRow}+${part.rowCount}`;
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
  format: FloatFormat,
  label: string,
  partLimit = maxPartBytes(device),
): GpuMatrix {
  if (data.length !== rows * columns) {
    throw new RangeError(`${label}: ${data.length} values do not make a [${rows}, ${columns}] matrix`);
  }
  const parts = planMatrixParts(format, rows, columns, partLimit).map((part) =>
    ownPart(
      part,
      uploadBuffer(device, packRows(data, columns, format, part.firstRow, part.rowCount), partLabel(label, part)),
    ),
  );
  return { rows, columns, format, parts };
}

/** Uploads [rows, columns] values held as ggml blocks of `type` (row-major, whole rows), kept as they are. */
export function uploadBlockMatrix(
  device: GPUDevice,
  blocks: Uint8Array,
  rows: number,
  columns: number,
  type: BlockFormat,
  label: string,
  partLimit = maxPartBytes(device),
): GpuMatrix {
  const bytesPerRow = blocks.length / rows;
  const parts = planMatrixParts(type, rows, columns, partLimit).map((part) => {
    const rowBlocks = blocks.subarray(part.firstRow * bytesPerRow, (part.firstRow + part.rowCount) * bytesPerRow);
    const packed = packBlockPart(type, rowBlocks, part.rowCount, columns);
    return ownPart(part, uploadBuffer(device, packed, partLabel(label, part)));
  });
  return { rows, columns, format: type, parts };
}

/** A zero-filled [rows, columns] matrix in `format`, its rows to be written by `writeMatrixRows`. */
export function allocateMatrix(
  device: GPUDevice,
  rows: number,
  columns: number,
  format: WeightFormat,
  label: string,
  partLimit = maxPartBytes(device),
): GpuMatrix {
  const parts = planMatrixParts(format, rows, columns, partLimit).map((part) =>
    ownPart(part, createBuffer(device, matrixPartBytes(format, part.rowCount, columns), partLabel(label, part))),
  );
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

/** Each row part of `matrix` with its kernel shape. */
export function matrixPartShapes(matrix: GpuMatrix): { part: GpuMatrixPart; shape: MatrixPartShape }[] {
  return matrix.parts.map((part) => ({
    part,
    shape: {
      inWidth: matrix.columns,
      rows: part.rowCount,
      outWidth: matrix.rows,
      rowOffset: part.firstRow,
      format: matrix.format,
    },
  }));
}

export function destroyMatrix(matrix: GpuMatrix): void {
  for (const part of matrix.parts) part.buffer.destroy();
}

/**
 * Bytes between matrices sharing a buffer: WebGPU's default minStorageBufferOffsetAlignment, so that each can still be
 * bound on its own (its range).
 */
export const SHARED_MATRIX_ALIGNMENT = 256;

/**
 * Copies one-part matrices (on the GPU, bytes as they are) into one new buffer, each at a SHARED_MATRIX_ALIGNMENT
 * multiple, and destroys their buffers; returns them as they lie in the new one. A grouped product binds the whole
 * buffer, any other kernel a member's range.
 */
export function shareBuffer(device: GPUDevice, matrices: readonly GpuMatrix[], label: string): GpuMatrix[] {
  const offsets: number[] = [];
  let size = 0;
  for (const matrix of matrices) {
    if (matrix.parts.length !== 1) throw new RangeError(`${label}: a row-split matrix cannot share a buffer`);
    offsets.push(size);
    size += Math.ceil(matrix.parts[0].size / SHARED_MATRIX_ALIGNMENT) * SHARED_MATRIX_ALIGNMENT;
  }
  const buffer = createBuffer(device, size, label);
  const encoder = device.createCommandEncoder({ label });
  matrices.forEach((matrix, i) => {
    const part = matrix.parts[0];
    encoder.copyBufferToBuffer(part.buffer, part.offset, buffer, offsets[i], part.size);
  });
  device.queue.submit([encoder.finish()]);
  for (const matrix of matrices) destroyMatrix(matrix);
  return matrices.map((matrix, i) => ({
    ...matrix,
    parts: [{ ...matrix.parts[0], buffer, offset: offsets[i] }],
  }));
}
