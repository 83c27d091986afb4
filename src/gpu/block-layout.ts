/**
 * The GPU layout of block-quantized matrices (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1: 32-value blocks along a row, the layouts
 * of src/formats/quantized.ts) and the lossless repacking of ggml blocks into it, run of rows by run of rows.
 *
 * One buffer per row part holds three regions, each starting on a 16-byte boundary, blocks in row-major order
 * (block b of part row r is block r·nb + b, nb = columns / 32):
 *   values     the low bits of every block as ggml stores them: Q8_0 32 int8 (two vec4<u32> chunks), Q4/Q5 16 bytes
 *              of nibble pairs (one chunk: byte j holds value j low, value j + 16 high);
 *   high bits  Q5 only: one u32 per block, bit j = the fifth bit of value j (ggml's qh);
 *   scales     f16 halves: d per block (Q8_0, Q4_0, Q5_0) or d then m (Q4_1, Q5_1); each row's halves start on a
 *              u32 boundary (a row of an odd number of d-only blocks ends with one unused half), so that any run of
 *              whole rows is written with 4-byte-aligned copies.
 * A value decodes to q·d + offset, offset = m (Q4_1, Q5_1) or −zero·d (zero 0 for Q8_0, 8 for Q4_0, 16 for Q5_0):
 * exactly ggml's dequantization. Bytes per weight: Q8_0 1.0625, Q4_0 0.5625, Q4_1 0.625, Q5_0 0.6875, Q5_1 0.75
 * (plus at most 48 bytes of region padding per part and 2 bytes per row of d-only formats with odd nb).
 */
import { ModelFormatError } from '../errors.js';
import type { SourceType } from '../model/spec.js';

/** The block-quantized source types (ggml's; src/formats/quantized.ts decodes them on the CPU). */
export type BlockFormat = Extract<SourceType, 'q8_0' | 'q4_0' | 'q4_1' | 'q5_0' | 'q5_1'>;

const BLOCK_VALUES = 32;

/** Where the parts of each ggml block go. */
interface BlockFacts {
  /** Bytes of low bits per block in the values region (what follows the block's header in ggml). */
  valueBytes: number;
  /** Whether a u32 of fifth bits follows the scales in ggml (and goes to the high-bits region here). */
  highBits: boolean;
  /** f16 halves of scale per block: d, or d and m. */
  scaleHalves: 1 | 2;
}

const BLOCK_FACTS: Readonly<Record<BlockFormat, BlockFacts>> = {
  q8_0: { valueBytes: 32, highBits: false, scaleHalves: 1 },
  q4_0: { valueBytes: 16, highBits: false, scaleHalves: 1 },
  q4_1: { valueBytes: 16, highBits: false, scaleHalves: 2 },
  q5_0: { valueBytes: 16, highBits: true, scaleHalves: 1 },
  q5_1: { valueBytes: 16, highBits: true, scaleHalves: 2 },
};

export function isBlockFormat(type: string): type is BlockFormat {
  return Object.hasOwn(BLOCK_FACTS, type);
}

/** Bytes of one ggml block: its scales, its fifth bits, its low bits. */
function ggmlBlockBytes(type: BlockFormat): number {
  const facts = BLOCK_FACTS[type];
  return 2 * facts.scaleHalves + (facts.highBits ? 4 : 0) + facts.valueBytes;
}

/** Bytes of padding a part may have beyond `blockRowBytes` per row (three regions rounded up to 16 bytes). */
export const BLOCK_PART_SLACK = 48;

const align16 = (bytes: number) => Math.ceil(bytes / 16) * 16;

/** Blocks per row of `columns` values; rows of block formats are whole blocks. */
function blocksPerRow(columns: number): number {
  if (columns % BLOCK_VALUES !== 0) {
    throw new ModelFormatError(`A block-quantized row must be whole ${BLOCK_VALUES}-value blocks, not ${columns}.`);
  }
  return columns / BLOCK_VALUES;
}

/** u32 words of scales per row. */
function scaleWordsPerRow(type: BlockFormat, columns: number): number {
  return Math.ceil((blocksPerRow(columns) * BLOCK_FACTS[type].scaleHalves) / 2);
}

/** Bytes per row before region padding (what the row split divides the binding limit by). */
export function blockRowBytes(type: BlockFormat, columns: number): number {
  const facts = BLOCK_FACTS[type];
  const blocks = blocksPerRow(columns);
  return blocks * (facts.valueBytes + (facts.highBits ? 4 : 0)) + 4 * scaleWordsPerRow(type, columns);
}

/** Byte offsets of the regions of a part of `rows` rows, and its size. */
export interface BlockRegions {
  highBitsOffset: number;
  scalesOffset: number;
  byteLength: number;
}

export function blockRegions(type: BlockFormat, rows: number, columns: number): BlockRegions {
  const facts = BLOCK_FACTS[type];
  const blocks = rows * blocksPerRow(columns);
  const highBitsOffset = blocks * facts.valueBytes;
  const scalesOffset = highBitsOffset + align16(facts.highBits ? 4 * blocks : 0);
  const byteLength = scalesOffset + align16(4 * rows * scaleWordsPerRow(type, columns));
  return { highBitsOffset, scalesOffset, byteLength };
}

/** A run of whole rows repacked: each region's bytes for those rows, to be written at `rowOffsets(firstRow)`. */
export interface RepackedRows {
  values: Uint8Array;
  highBits: Uint8Array;
  scales: Uint8Array;
}

/** Where row `row` of a part starts in each region (bytes from the start of the part's buffer). */
export function rowOffsets(
  type: BlockFormat,
  regions: BlockRegions,
  row: number,
  columns: number,
): { values: number; highBits: number; scales: number } {
  const blocks = row * blocksPerRow(columns);
  return {
    values: blocks * BLOCK_FACTS[type].valueBytes,
    highBits: regions.highBitsOffset + 4 * blocks,
    scales: regions.scalesOffset + 4 * row * scaleWordsPerRow(type, columns),
  };
}

/** Splits `rowCount` rows of ggml blocks of `type` (`bytes`, whole rows) into the three regions' bytes. */
export function repackBlocks(type: BlockFormat, bytes: Uint8Array, rowCount: number, columns: number): RepackedRows {
  const facts = BLOCK_FACTS[type];
  const blockBytes = ggmlBlockBytes(type);
  const blocks = blocksPerRow(columns);
  if (bytes.length !== rowCount * blocks * blockBytes) {
    throw new ModelFormatError(`${bytes.length} bytes are not ${rowCount} rows of ${blocks} ${type} blocks.`);
  }
  const scaleBytes = 2 * facts.scaleHalves;
  const valuesAt = scaleBytes + (facts.highBits ? 4 : 0);
  const rowScaleBytes = 4 * scaleWordsPerRow(type, columns);
  const values = new Uint8Array(rowCount * blocks * facts.valueBytes);
  const highBits = new Uint8Array(facts.highBits ? 4 * rowCount * blocks : 0);
  const scales = new Uint8Array(rowCount * rowScaleBytes);
  for (let row = 0; row < rowCount; row++) {
    for (let b = 0; b < blocks; b++) {
      const block = row * blocks + b;
      const at = block * blockBytes;
      scales.set(bytes.subarray(at, at + scaleBytes), row * rowScaleBytes + b * scaleBytes);
      if (facts.highBits) highBits.set(bytes.subarray(at + scaleBytes, at + valuesAt), 4 * block);
      values.set(bytes.subarray(at + valuesAt, at + blockBytes), block * facts.valueBytes);
    }
  }
  return { values, highBits, scales };
}

/** A whole part (rows of ggml blocks) in the GPU layout, regions and padding included. */
export function packBlockPart(type: BlockFormat, bytes: Uint8Array, rowCount: number, columns: number): Uint8Array {
  const regions = blockRegions(type, rowCount, columns);
  const packed = new Uint8Array(regions.byteLength);
  const repacked = repackBlocks(type, bytes, rowCount, columns);
  packed.set(repacked.values, 0);
  packed.set(repacked.highBits, regions.highBitsOffset);
  packed.set(repacked.scales, regions.scalesOffset);
  return packed;
}

/** Ids of the formats in the WGSL `WEIGHT_FORMAT` override (shaders/lib/weights.wgsl). */
export const BLOCK_FORMAT_IDS: Readonly<Record<BlockFormat, number>> = {
  q8_0: 2,
  q4_0: 3,
  q4_1: 4,
  q5_0: 5,
  q5_1: 6,
};
