/**
 * Storage faults found at open and repaired on demand: chunk records evicted from IndexedDB are detected when the
 * model is opened (by listing the chunk keys, no chunk read), the model is listed incomplete with the missing
 * chunks, and they are fetched again — exactly their ranges — as they are read, after which it is complete again.
 * A model imported from a File cannot fetch them (ModelIntegrityError at open) until the file is imported again. A
 * damaged chunk that cannot be repaired is listed missing too. A damaged manifest is listed as damaged, refused at
 * open, and a new download starts over. `usage()` reports the persistence the browser granted.
 */
import { createStore, set } from 'idb-keyval';
import { describe, expect, it } from 'vitest';
import { ModelIntegrityError } from '../../../src/storage/index.js';
import { serveFile } from '../server/client.js';
import { firstDifference, readWhole, TEST_CHUNK_SIZE, uniqueName, storePerTest } from './helpers.js';

const CHUNK = TEST_CHUNK_SIZE;
const SIZE = 5 * CHUNK + 999;

describe('model store: evicted and damaged storage', () => {
  const store = storePerTest();

  it('detects evicted chunks at open, lists the model incomplete, refetches exactly those chunks on read', async () => {
    const file = await serveFile(uniqueName('evicted'), { size: SIZE, seed: 41 });
    const { id } = await store().models.download(file.url, { chunkSize: CHUNK });
    await store().deleteRawChunk(id, 1);
    await store().deleteRawChunk(id, 3);
    const requestsBefore = (await file.log()).length;

    const model = await store().models.open(id);
    const listed = await store().models.info(id);
    expect(listed).toMatchObject({ complete: false, missingChunks: [1, 3], storedBytes: SIZE - 2 * CHUNK });
    expect((await store().models.list()).find((entry) => entry.id === id)?.complete).toBe(false);
    expect((await file.log()).length, 'open reads nothing from the network').toBe(requestsBefore);

    expect(firstDifference(await readWhole(model), file.expected())).toBe(-1);
    const refetches = (await file.log()).slice(requestsBefore).map((entry) => entry.range);
    expect(refetches).toEqual([`bytes=${CHUNK}-${2 * CHUNK - 1}`, `bytes=${3 * CHUNK}-${4 * CHUNK - 1}`]);
    expect(await store().models.info(id)).toMatchObject({ complete: true, missingChunks: [], storedBytes: SIZE });
    expect(new Uint8Array((await store().rawChunk(id, 3)) as ArrayBuffer)).toHaveLength(CHUNK);
  });

  it('a model imported from a File: refused at open until the file is imported again, which repairs it', async () => {
    const bytes = new Uint8Array(3 * CHUNK + 5).map((_, i) => (i * 13) & 0xff);
    const file = new File([bytes], 'local.bin');
    const { id } = await store().models.importBlob(file, { chunkSize: CHUNK });
    await store().deleteRawChunk(id, 2);
    await expect(store().models.open(id)).rejects.toThrow(/Chunks 2 of model .* import the file again/);
    await expect(store().models.open(id)).rejects.toThrow(ModelIntegrityError);
    expect(await store().models.info(id)).toMatchObject({ complete: false, missingChunks: [2] });

    const phases: string[] = [];
    const repaired = await store().models.importBlob(file, { onProgress: ({ phase }) => phases.push(phase) });
    expect(repaired).toMatchObject({ complete: true, missingChunks: [] });
    expect(phases).toContain('verify');
    expect(firstDifference(await readWhole(await store().models.open(id)), bytes)).toBe(-1);
  });

  it('a damaged chunk that cannot be fetched again is listed missing, and repaired once the source is back', async () => {
    const file = await serveFile(uniqueName('damaged'), { size: SIZE, seed: 42 });
    const { id } = await store().models.download(file.url, { chunkSize: CHUNK });
    const chunk = new Uint8Array((await store().rawChunk(id, 4)) as ArrayBuffer);
    chunk[7] ^= 0x40;
    await store().setRawChunk(id, 4, chunk.buffer);
    await file.addFault({ kind: 'status', status: 503 });

    const model = await store().models.open(id);
    await expect(model.read(4 * CHUNK, 16)).rejects.toThrow(ModelIntegrityError);
    expect(await store().models.info(id)).toMatchObject({ complete: false, missingChunks: [4] });

    const again = await store().models.open(id);
    expect(firstDifference(await again.read(4 * CHUNK, CHUNK), file.expected().subarray(4 * CHUNK, 5 * CHUNK))).toBe(
      -1,
    );
    expect(await store().models.info(id)).toMatchObject({ complete: true, missingChunks: [] });
  });

  it('a damaged manifest: listed as damaged, refused at open, a new download starts over', async () => {
    const file = await serveFile(uniqueName('manifest'), { size: SIZE, seed: 43 });
    const { id } = await store().models.download(file.url, { chunkSize: CHUNK });
    const manifest = (await store().rawManifest(id))!;
    await set(['manifest', id], { ...manifest, chunkCount: 1e12 }, createStore(store().databaseName, 'models'));

    const [entry] = await store().models.list();
    expect(entry).toMatchObject({ id, complete: false, damaged: expect.stringMatching(/chunk count 1000000000000/) });
    await expect(store().models.open(id)).rejects.toThrow(/record of model .* is damaged \(chunk count/);
    expect((await store().models.usage()).models).toBe(1);

    const info = await store().models.download(file.url, { chunkSize: CHUNK });
    expect(info).toMatchObject({ complete: true, missingChunks: [], storedBytes: SIZE });
    expect(firstDifference(await readWhole(await store().models.open(id)), file.expected())).toBe(-1);
    expect(await store().models.delete(id)).toBe(true);
  });

  it('usage() reports whether the browser granted persistent storage', async () => {
    const usage = await store().models.usage();
    expect(usage.persisted).toBe(await navigator.storage.persisted());
  });
});
