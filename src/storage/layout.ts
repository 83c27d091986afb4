/**
 * Chunk arithmetic of a stored model: a file of `bytes` bytes is cut into chunks of `chunkSize` bytes (the last one
 * shorter), chunk `i` covering bytes [i·chunkSize, min((i+1)·chunkSize, bytes)).
 */

/** 32 MiB: few enough IndexedDB records for a multi-GB model, small enough to hold two in memory. */
export const DEFAULT_CHUNK_SIZE = 32 * 1024 * 1024;

/** SHA-256 block size: chunk sizes are multiples of it so that chunk boundaries are also hash-block boundaries. */
export const CHUNK_SIZE_MULTIPLE = 64;

export function assertValidChunkSize(chunkSize: number): void {
  if (!Number.isSafeInteger(chunkSize) || chunkSize <= 0 || chunkSize % CHUNK_SIZE_MULTIPLE !== 0) {
    throw new RangeError(`chunkSize must be a positive multiple of ${CHUNK_SIZE_MULTIPLE} bytes, got ${chunkSize}`);
  }
}

export function chunkCount(bytes: number, chunkSize: number): number {
  return Math.ceil(bytes / chunkSize);
}

/** Byte range [start, end) of chunk `index`. */
export function chunkSpan(index: number, chunkSize: number, bytes: number): { start: number; end: number } {
  const start = index * chunkSize;
  return { start, end: Math.min(start + chunkSize, bytes) };
}

/** Indices of the chunks that hold bytes [offset, offset + length), in order; none for an empty range. */
export function chunksCovering(offset: number, length: number, chunkSize: number): number[] {
  if (length <= 0) return [];
  const first = Math.floor(offset / chunkSize);
  const last = Math.floor((offset + length - 1) / chunkSize);
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}
