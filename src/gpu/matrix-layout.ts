/**
 * The GPU matrix layout and the row-split scheme (pure functions; uploading is in gpu-matrix.ts).
 *
 * Layout: a matrix [rows, columns] is stored row after row, each row padded with zeros to whole 16-byte chunks so
 * that kernels read it as vec4<u32>: 4 f32 per chunk ('f32'), or 8 f16 per chunk ('f16', two per u32, the
 * lower-index element in the low 16 bits — what WGSL's unpack2x16float decodes, no `shader-f16` needed).
 * Block-quantized formats (q8_0, q4_0, q4_1, q5_0, q5_1) keep their values in chunks too (16 or 32 values per chunk)
 * with the scales in a region after them: block-layout.ts.
 *
 * Row split: WebGPU caps one binding at maxStorageBufferBindingSize (128 MiB by default) and one buffer at
 * maxBufferSize, smaller than a big embedding or head (65536 × 2048 f16 = 256 MiB). Such a matrix is cut into parts
 * of whole rows, each its own buffer: part p holds rows [p·R, min((p+1)·R, rows)) with
 * R = floor(limit / rowBytes). Kernels that read a split matrix run once per part with the part's first row and
 * row count as constants (embedding gather: ROW_START; matvec / matmat: ROW_OFFSET into the output row).
 */
import { RwkvError } from '../errors.js';
import { f16BitsToF32, f32ToF16Bits } from '../numeric/half.js';
import { BLOCK_FORMAT_IDS, BLOCK_PART_SLACK, blockRegions, blockRowBytes, isBlockFormat } from './block-layout.js';
import type { BlockFormat } from './block-layout.js';

/** Float formats: f32, or f16 packed two per u32. */
export type FloatFormat = 'f32' | 'f16';

export type WeightFormat = FloatFormat | BlockFormat;

export const CHUNK_BYTES = 16;

/** Values per 16-byte chunk. */
export function chunkLength(format: WeightFormat): number {
  if (format === 'f32') return 4;
  if (format === 'f16') return 8;
  return format === 'q8_0' ? 16 : 32;
}

export function chunksPerRow(columns: number, format: WeightFormat): number {
  return Math.ceil(columns / chunkLength(format));
}

/** Bytes of one padded row of a float format. */
export function rowBytes(columns: number, format: FloatFormat): number {
  return chunksPerRow(columns, format) * CHUNK_BYTES;
}

/** Every value rounded to the nearest f16 (what the GPU sees of f16-packed weights). */
export function roundToF16(data: Float32Array): Float32Array {
  return data.map((value) => f16BitsToF32(f32ToF16Bits(value)));
}

/** Rows [firstRow, firstRow + rowCount) of a row-major [rows, columns] matrix in the GPU matrix layout. */
export function packRows(
  data: Float32Array,
  columns: number,
  format: FloatFormat,
  firstRow = 0,
  rowCount = data.length / columns - firstRow,
): Uint32Array {
  const stride = rowBytes(columns, format) / 4;
  const packed = new Uint32Array(rowCount * stride);
  const asFloat = new Float32Array(packed.buffer);
  for (let r = 0; r < rowCount; r++) {
    const source = (firstRow + r) * columns;
    const target = r * stride;
    if (format === 'f32') {
      asFloat.set(data.subarray(source, source + columns), target);
      continue;
    }
    for (let c = 0; c < columns; c += 2) {
      const low = f32ToF16Bits(data[source + c]);
      const high = c + 1 < columns ? f32ToF16Bits(data[source + c + 1]) : 0;
      packed[target + c / 2] = low | (high << 16);
    }
  }
  return packed;
}

/** One part of a row-split matrix. */
export interface RowPart {
  firstRow: number;
  rowCount: number;
}

/** Cuts `rows` rows of `bytesPerRow` bytes into parts of at most `maxPartBytes` bytes (whole rows). */
export function planRowSplit(rows: number, bytesPerRow: number, maxPartBytes: number): RowPart[] {
  const rowsPerPart = Math.floor(maxPartBytes / bytesPerRow);
  if (rowsPerPart < 1) {
    throw new RwkvError(
      `A single matrix row of ${bytesPerRow} bytes exceeds the GPU's binding limit of ${maxPartBytes} bytes.`,
    );
  }
  const parts: RowPart[] = [];
  for (let firstRow = 0; firstRow < rows; firstRow += rowsPerPart) {
    parts.push({ firstRow, rowCount: Math.min(rowsPerPart, rows - firstRow) });
  }
  return parts;
}

/** Bytes of a part of `rowCount` rows of a [·, columns] matrix in `format`. */
export function matrixPartBytes(format: WeightFormat, rowCount: number, columns: number): number {
  return isBlockFormat(format)
    ? blockRegions(format, rowCount, columns).byteLength
    : rowCount * rowBytes(columns, format);
}

/** The row parts of a [rows, columns] matrix in `format`, each at most `maxPartBytes` bytes. */
export function planMatrixParts(format: WeightFormat, rows: number, columns: number, maxPartBytes: number): RowPart[] {
  return isBlockFormat(format)
    ? planRowSplit(rows, blockRowBytes(format, columns), maxPartBytes - BLOCK_PART_SLACK)
    : planRowSplit(rows, rowBytes(columns, format), maxPartBytes);
}

/**
 * The override constants of shaders/lib/weights.wgsl for a binding of `rows` rows of `columns` values:
 * the format id, and for block formats the u32 index of the high-bits and scales regions.
 */
export function weightConstants(format: WeightFormat, rows: number, columns: number): Record<string, number> {
  if (!isBlockFormat(format)) return { WEIGHT_FORMAT: weightFormatId(format) };
  const regions = blockRegions(format, rows, columns);
  return {
    WEIGHT_FORMAT: weightFormatId(format),
    HIGH_BITS_BASE: regions.highBitsOffset / 4,
    SCALES_BASE: regions.scalesOffset / 4,
  };
}

/** The WEIGHT_FORMAT id of `format` in shaders/lib/weights.wgsl. */
export function weightFormatId(format: WeightFormat): number {
  if (isBlockFormat(format)) return BLOCK_FORMAT_IDS[format];
  return format === 'f16' ? 1 : 0;
}

/**
 * Where a [rows, columns] matrix in `format` starting `byteOffset` bytes into a binding lies, as shaders/lib/weights.wgsl
 * reads it (its WeightPlace): the first chunk of its values, the first u32 word of its high-bits and scales regions.
 */
export function weightPlace(
  format: WeightFormat,
  rows: number,
  columns: number,
  byteOffset: number,
): { values: number; highBits: number; scales: number } {
  if (byteOffset % CHUNK_BYTES !== 0) throw new RangeError(`a matrix must start on a chunk, not at byte ${byteOffset}`);
  const regions = isBlockFormat(format) ? blockRegions(format, rows, columns) : { highBitsOffset: 0, scalesOffset: 0 };
  return {
    values: byteOffset / CHUNK_BYTES,
    highBits: (byteOffset + regions.highBitsOffset) / 4,
    scales: (byteOffset + regions.scalesOffset) / 4,
  };
}
