/**
 * A complete download into the model store and the store's bookkeeping: bytes identical to the served file, chunk
 * layout and hashes, typed progress, random access reads, no network request for a model already stored, list /
 * usage / delete, the optional whole-file SHA-256.
 */
import { describe, expect, it } from 'vitest';
import { DownloadError, ModelIntegrityError, ModelNotStoredError } from '../../../src/storage/index.js';
import type { LoadProgress } from '../../../src/progress.js';
import { serveFile } from '../server/client.js';
import { firstDifference, readWhole, referenceSha256, TEST_CHUNK_SIZE, uniqueName, storePerTest } from './helpers.js';

const SIZE = 5 * TEST_CHUNK_SIZE + 12_345;

describe('model store: download', () => {
  const store = storePerTest();

  it('stores the file in chunks with their SHA-256, reports progress, and reads it back identically', async () => {
    const file = await serveFile(uniqueName('full'), { size: SIZE, seed: 11 });
    const events: LoadProgress[] = [];
    const info = await store().models.download(file.url, {
      chunkSize: TEST_CHUNK_SIZE,
      onProgress: (event) => events.push(event),
    });
    const expected = file.expected();
    expect(info).toMatchObject({ id: file.url, url: file.url, bytes: SIZE, storedBytes: SIZE, complete: true });

    const manifest = await store().rawManifest(info.id);
    expect(manifest?.status).toBe('complete');
    expect(manifest?.chunkCount).toBe(6);
    expect(manifest?.etag).toMatch(/^"11-v0"$/);
    for (let index = 0; index < 6; index++) {
      const part = expected.slice(index * TEST_CHUNK_SIZE, Math.min((index + 1) * TEST_CHUNK_SIZE, SIZE));
      expect(manifest?.chunkHashes[index]).toBe(await referenceSha256(part));
      expect(new Uint8Array((await store().rawChunk(info.id, index)) as ArrayBuffer).length).toBe(part.length);
    }

    const downloads = events.filter((event) => event.phase === 'download');
    const verifies = events.filter((event) => event.phase === 'verify');
    expect(downloads.at(-1)).toEqual({ phase: 'download', loaded: SIZE, total: SIZE });
    expect(verifies.at(-1)).toEqual({ phase: 'verify', loaded: SIZE, total: SIZE });
    expect(events.indexOf(verifies[0])).toBeGreaterThan(events.indexOf(downloads.at(-1) as LoadProgress));
    for (let i = 1; i < downloads.length; i++)
      expect(downloads[i].loaded).toBeGreaterThanOrEqual(downloads[i - 1].loaded);

    const model = await store().models.open(info.id);
    expect(firstDifference(await readWhole(model), expected)).toBe(-1);
  });

  it('reads any byte range, across chunk boundaries, and refuses ranges past the end', async () => {
    const file = await serveFile(uniqueName('ranges'), { size: SIZE, seed: 12 });
    const { id } = await store().models.download(file.url, { chunkSize: TEST_CHUNK_SIZE });
    const expected = file.expected();
    const model = await store().models.open(id);
    const cases: Array<[number, number]> = [
      [0, 1],
      [SIZE - 1, 1],
      [TEST_CHUNK_SIZE - 3, 7],
      [TEST_CHUNK_SIZE, TEST_CHUNK_SIZE],
      [1000, 3 * TEST_CHUNK_SIZE + 77],
      [0, SIZE],
      [SIZE - 22, 22],
      [17, 0],
    ];
    for (const [offset, length] of cases) {
      const bytes = await model.read(offset, length);
      expect(firstDifference(bytes, expected.subarray(offset, offset + length)), `read(${offset}, ${length})`).toBe(-1);
    }
    await expect(model.read(SIZE - 10, 11)).rejects.toThrow(RangeError);
    await expect(model.read(-1, 2)).rejects.toThrow(RangeError);
  });

  it('makes no request at all for a model already stored', async () => {
    const file = await serveFile(uniqueName('cached'), { size: SIZE, seed: 13 });
    await store().models.download(file.url, { chunkSize: TEST_CHUNK_SIZE });
    const requestsAfterFirst = (await file.log()).length;
    const again = await store().models.download(file.url, { chunkSize: TEST_CHUNK_SIZE });
    expect(again.complete).toBe(true);
    expect((await file.log()).length).toBe(requestsAfterFirst);
    expect(requestsAfterFirst).toBe(1);
  });

  it('lists, measures and deletes stored models', async () => {
    const a = await serveFile(uniqueName('list-a'), { size: SIZE, seed: 14 });
    const b = await serveFile(uniqueName('list-b'), { size: 2 * TEST_CHUNK_SIZE, seed: 15 });
    const before = Date.now();
    await store().models.download(a.url, { chunkSize: TEST_CHUNK_SIZE });
    await store().models.download(b.url, { chunkSize: TEST_CHUNK_SIZE });
    const listed = await store().models.list();
    expect(listed.map((entry) => entry.url).sort()).toEqual([a.url, b.url].sort());
    for (const entry of listed) {
      expect(entry.complete).toBe(true);
      expect(entry.lastUsed).toBeGreaterThanOrEqual(before);
    }
    expect(listed.find((entry) => entry.url === b.url)?.bytes).toBe(2 * TEST_CHUNK_SIZE);

    const usage = await store().models.usage();
    expect(usage.models).toBe(2);
    expect(usage.storedBytes).toBe(SIZE + 2 * TEST_CHUNK_SIZE);
    expect(usage.quota).toBeGreaterThan(0);

    expect(await store().models.delete(a.url)).toBe(true);
    expect(await store().models.delete(a.url)).toBe(false);
    expect((await store().models.list()).map((entry) => entry.url)).toEqual([b.url]);
    expect(await store().rawChunk(a.url, 0)).toBeUndefined();
    expect(await store().rawChunk(b.url, 0)).toBeDefined();
    await expect(store().models.open(a.url)).rejects.toThrow(ModelNotStoredError);
    expect((await store().models.usage()).storedBytes).toBe(2 * TEST_CHUNK_SIZE);
  });

  it('checks the whole-file SHA-256 when given, and removes a file that does not match', async () => {
    const good = await serveFile(uniqueName('sha-good'), { size: SIZE, seed: 16 });
    const goodSha = await referenceSha256(good.expected());
    const info = await store().models.download(good.url, { chunkSize: TEST_CHUNK_SIZE, sha256: goodSha.toUpperCase() });
    expect(info.complete).toBe(true);
    expect((await store().rawManifest(info.id))?.sha256).toBe(goodSha);

    const bad = await serveFile(uniqueName('sha-bad'), { size: SIZE, seed: 17 });
    await bad.addFault({ kind: 'corrupt', offset: 3 * TEST_CHUNK_SIZE + 5 });
    const expectedSha = await referenceSha256(bad.expected());
    await expect(store().models.download(bad.url, { chunkSize: TEST_CHUNK_SIZE, sha256: expectedSha })).rejects.toThrow(
      ModelIntegrityError,
    );
    expect(await store().models.info(bad.url)).toBeUndefined();
    await expect(store().models.download(bad.url, { sha256: 'xyz' })).rejects.toThrow(TypeError);
  });

  it('fails with DownloadError on a missing file, storing nothing', async () => {
    const file = await serveFile(uniqueName('missing'), { size: 10, seed: 1 });
    await expect(store().models.download(file.url + '-absent')).rejects.toMatchObject({
      constructor: DownloadError,
      status: 404,
    });
    expect(await store().models.list()).toEqual([]);
  });
});
