/**
 * Chunk arithmetic (src/storage/layout.ts) and the backoff schedule (src/storage/backoff.ts), against hand-computed
 * values.
 */
import { describe, expect, it } from 'vitest';
import { AbortError } from '../../src/errors.js';
import { backoffDelayMs, sleep } from '../../src/storage/backoff.js';
import { assertValidChunkSize, chunkCount, chunksCovering, chunkSpan } from '../../src/storage/layout.js';
import { newManifest, storedBytes } from '../../src/storage/manifest.js';

describe('chunk layout', () => {
  it('cuts a file into full chunks and a shorter last one', () => {
    expect(chunkCount(0, 64)).toBe(0);
    expect(chunkCount(64, 64)).toBe(1);
    expect(chunkCount(65, 64)).toBe(2);
    expect(chunkSpan(0, 64, 150)).toEqual({ start: 0, end: 64 });
    expect(chunkSpan(2, 64, 150)).toEqual({ start: 128, end: 150 });
  });

  it('finds the chunks covering a byte range', () => {
    expect(chunksCovering(0, 1, 64)).toEqual([0]);
    expect(chunksCovering(63, 2, 64)).toEqual([0, 1]);
    expect(chunksCovering(64, 64, 64)).toEqual([1]);
    expect(chunksCovering(10, 200, 64)).toEqual([0, 1, 2, 3]);
    expect(chunksCovering(10, 0, 64)).toEqual([]);
  });

  it('accepts chunk sizes that are positive multiples of 64 only', () => {
    expect(() => assertValidChunkSize(64 * 1024)).not.toThrow();
    for (const bad of [0, -64, 100, 64.5, Number.NaN]) expect(() => assertValidChunkSize(bad)).toThrow(RangeError);
  });

  it('counts the stored bytes of a manifest from its chunk hashes', () => {
    const manifest = newManifest('m', { kind: 'url', url: 'https://x/m' }, 150, 64, { etag: '"e"' }, 1);
    expect(manifest).toMatchObject({ chunkCount: 3, status: 'partial', etag: '"e"', chunkHashes: [] });
    expect(storedBytes(manifest)).toBe(0);
    expect(storedBytes({ ...manifest, chunkHashes: ['a', 'b'] })).toBe(128);
    expect(storedBytes({ ...manifest, chunkHashes: ['a', 'b', 'c'] })).toBe(150);
  });
});

describe('backoff', () => {
  const policy = { maxRetries: 5, baseDelayMs: 500, maxDelayMs: 3000 };

  it('doubles from the base delay and stops at the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffDelayMs(attempt, policy))).toEqual([
      500, 1000, 2000, 3000, 3000, 3000,
    ]);
  });

  it('sleeps, and an abort cuts the sleep short with AbortError', async () => {
    const started = Date.now();
    await sleep(20, undefined);
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
    const controller = new AbortController();
    const pending = sleep(60_000, controller.signal);
    controller.abort();
    await expect(pending).rejects.toThrow(AbortError);
    await expect(sleep(10, controller.signal)).rejects.toThrow(AbortError);
  });
});
