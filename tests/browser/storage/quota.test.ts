/**
 * Storage space: a model that does not fit the free quota (navigator.storage.estimate stubbed) is refused with
 * QuotaError before anything is written; a QuotaExceededError from IndexedDB in the middle of a download becomes
 * QuotaError and leaves the model partial (resumable), never complete; persistent storage is requested.
 */
import { describe, expect, it, vi } from 'vitest';
import { QuotaError } from '../../../src/errors.js';
import { DownloadError } from '../../../src/storage/index.js';
import { serveFile } from '../server/client.js';
import { firstDifference, readWhole, TEST_CHUNK_SIZE, uniqueName, storePerTest } from './helpers.js';

const CHUNK = TEST_CHUNK_SIZE;
const SIZE = 5 * CHUNK + 100;

function stubFreeSpace(free: number): void {
  vi.spyOn(navigator.storage, 'estimate').mockResolvedValue({ usage: 1_000_000, quota: 1_000_000 + free });
}

describe('model store: quota', () => {
  const store = storePerTest();

  it('refuses a model larger than the free quota before writing anything', async () => {
    const file = await serveFile(uniqueName('too-big'), { size: SIZE, seed: 41 });
    stubFreeSpace(SIZE - 1);
    const error = await store()
      .models.download(file.url, { chunkSize: CHUNK })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(QuotaError);
    expect(String((error as Error).message)).toMatch(/nothing was written/);
    expect(await store().models.list()).toEqual([]);
    expect(await store().rawManifest(file.url)).toBeUndefined();
    expect(await store().rawChunk(file.url, 0)).toBeUndefined();
    expect(await file.log()).toHaveLength(1);

    stubFreeSpace(SIZE);
    expect((await store().models.download(file.url, { chunkSize: CHUNK })).complete).toBe(true);
  });

  it('refuses to resume when the rest does not fit, keeping the partial download', async () => {
    const file = await serveFile(uniqueName('resume-too-big'), { size: SIZE, seed: 42 });
    await file.addFault({ kind: 'cut', afterBytes: 2 * CHUNK + 1 });
    for (let i = 0; i < 3; i++) await file.addFault({ kind: 'cut', afterBytes: 1 });
    await expect(store().models.download(file.url, { chunkSize: CHUNK })).rejects.toThrow(DownloadError);
    stubFreeSpace(SIZE - 2 * CHUNK - 1);
    await expect(store().models.download(file.url, { chunkSize: CHUNK })).rejects.toThrow(QuotaError);
    expect(await store().models.info(file.url)).toMatchObject({ complete: false, storedBytes: 2 * CHUNK });
  });

  it('turns a QuotaExceededError while writing into QuotaError and leaves the model partial and resumable', async () => {
    const file = await serveFile(uniqueName('full-disk'), { size: SIZE, seed: 43 });
    const put = IDBObjectStore.prototype.put;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, value, key) {
      if (Array.isArray(key) && key[0] === 'chunk' && Number(key[2]) >= 3) {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      }
      return put.call(this, value, key);
    });
    await expect(store().models.download(file.url, { chunkSize: CHUNK })).rejects.toThrow(QuotaError);
    const manifest = await store().rawManifest(file.url);
    expect(manifest?.status).toBe('partial');
    expect(manifest?.chunkHashes).toHaveLength(3);
    expect(await store().rawChunk(file.url, 3)).toBeUndefined();

    vi.restoreAllMocks();
    const requestsBefore = (await file.log()).length;
    expect((await store().models.download(file.url, { chunkSize: CHUNK })).complete).toBe(true);
    expect((await file.log()).slice(requestsBefore).map((entry) => entry.range)).toEqual([`bytes=${3 * CHUNK}-`]);
    expect(firstDifference(await readWhole(await store().models.open(file.url)), file.expected())).toBe(-1);
  });

  it('asks for persistent storage and reports usage', async () => {
    const persist = vi.spyOn(navigator.storage, 'persist');
    const file = await serveFile(uniqueName('persist'), { size: CHUNK, seed: 44 });
    await store().models.download(file.url, { chunkSize: CHUNK });
    expect(persist).toHaveBeenCalled();
    const usage = await store().models.usage();
    expect(usage).toMatchObject({ models: 1, storedBytes: CHUNK });
    expect(typeof usage.persisted).toBe('boolean');
  });
});
