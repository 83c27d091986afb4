/**
 * Storing a local File or Blob: read one chunk-sized slice at a time (never the whole file), stored and verified
 * like a download, refused up front when it does not fit, and resumed after an abort.
 */
import { describe, expect, it, vi } from 'vitest';
import { AbortError, QuotaError } from '../../../src/errors.js';
import { syntheticBytes } from '../server/synthetic-file.js';
import { firstDifference, readWhole, referenceSha256, TEST_CHUNK_SIZE, storePerTest } from './helpers.js';

const CHUNK = TEST_CHUNK_SIZE;
const SIZE = 5 * CHUNK + 300;

/** Records the size of every Blob read through arrayBuffer(). */
function watchBlobReads(): number[] {
  const sizes: number[] = [];
  const arrayBuffer = Blob.prototype.arrayBuffer;
  vi.spyOn(Blob.prototype, 'arrayBuffer').mockImplementation(function (this: Blob) {
    sizes.push(this.size);
    return arrayBuffer.call(this);
  });
  return sizes;
}

describe('model store: File and Blob import', () => {
  const store = storePerTest();

  it('stores a File chunk by chunk, verified, and reads it back identically', async () => {
    const bytes = syntheticBytes(71, 0, 0, SIZE);
    const file = new File([bytes], 'model.pth', { lastModified: 1_700_000_000_000 });
    const reads = watchBlobReads();
    const info = await store().models.importBlob(file, { chunkSize: CHUNK, sha256: await referenceSha256(bytes) });
    expect(info).toMatchObject({ id: `file:model.pth#${SIZE}-1700000000000`, url: undefined, complete: true });
    expect(reads.length).toBeGreaterThanOrEqual(6);
    expect(Math.max(...reads)).toBeLessThanOrEqual(CHUNK);
    vi.restoreAllMocks();
    expect(firstDifference(await readWhole(await store().models.open(info.id)), bytes)).toBe(-1);
    expect((await store().models.importBlob(file, { chunkSize: CHUNK })).id).toBe(info.id);
  });

  it('refuses a Blob that does not fit before writing anything', async () => {
    vi.spyOn(navigator.storage, 'estimate').mockResolvedValue({ usage: 0, quota: SIZE - 1 });
    const blob = new Blob([syntheticBytes(72, 0, 0, SIZE)]);
    await expect(store().models.importBlob(blob, { id: 'refused', chunkSize: CHUNK })).rejects.toThrow(QuotaError);
    expect(await store().models.list()).toEqual([]);
  });

  it('resumes an aborted import from the last stored chunk', async () => {
    const bytes = syntheticBytes(73, 0, 0, SIZE);
    const blob = new Blob([bytes]);
    const controller = new AbortController();
    const aborted = store().models.importBlob(blob, {
      id: 'resumable',
      chunkSize: CHUNK,
      signal: controller.signal,
      onProgress: ({ loaded }) => loaded >= 2 * CHUNK && controller.abort(),
    });
    await expect(aborted).rejects.toThrow(AbortError);
    expect(await store().models.info('resumable')).toMatchObject({ complete: false, storedBytes: 2 * CHUNK });

    const reads = watchBlobReads();
    await store().models.importBlob(blob, { id: 'resumable', chunkSize: CHUNK });
    expect(reads.slice(0, 4)).toEqual([CHUNK, CHUNK, CHUNK, 300]);
    vi.restoreAllMocks();
    expect(firstDifference(await readWhole(await store().models.open('resumable')), bytes)).toBe(-1);
  });
});
