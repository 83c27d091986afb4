/**
 * Verification on load: a stored chunk that was corrupted (or lost) is detected by its SHA-256 when read, fetched
 * again with a Range request for exactly that chunk, and stored anew; when it cannot be fetched again (server error,
 * file changed, model imported from a File) the read fails with ModelIntegrityError and the bad bytes are never
 * returned.
 */
import { describe, expect, it } from 'vitest';
import { ModelIntegrityError } from '../../../src/storage/index.js';
import { serveFile } from '../server/client.js';
import { firstDifference, readWhole, TEST_CHUNK_SIZE, uniqueName, storePerTest } from './helpers.js';

const CHUNK = TEST_CHUNK_SIZE;
const SIZE = 4 * CHUNK + 4321;

describe('model store: chunk verification on load', () => {
  const store = storePerTest();

  async function corruptChunk(id: string, index: number): Promise<void> {
    const bytes = new Uint8Array((await store().rawChunk(id, index)) as ArrayBuffer);
    bytes[1234] ^= 0x01;
    await store().setRawChunk(id, index, bytes.buffer);
  }

  it('detects a corrupted stored chunk on read, fetches exactly that chunk again and repairs the store', async () => {
    const file = await serveFile(uniqueName('corrupt'), { size: SIZE, seed: 31 });
    const { id } = await store().models.download(file.url, { chunkSize: CHUNK });
    const expected = file.expected();
    await corruptChunk(id, 2);
    const requestsBefore = (await file.log()).length;

    const model = await store().models.open(id);
    const bytes = await model.read(2 * CHUNK + 1000, 500);
    expect(firstDifference(bytes, expected.subarray(2 * CHUNK + 1000, 2 * CHUNK + 1500))).toBe(-1);

    const refetches = (await file.log()).slice(requestsBefore);
    expect(refetches).toHaveLength(1);
    expect(refetches[0]).toMatchObject({
      range: `bytes=${2 * CHUNK}-${3 * CHUNK - 1}`,
      ifRange: '"31-v0"',
      status: 206,
    });
    const repaired = new Uint8Array((await store().rawChunk(id, 2)) as ArrayBuffer);
    expect(firstDifference(repaired, expected.subarray(2 * CHUNK, 3 * CHUNK))).toBe(-1);

    const reopened = await store().models.open(id);
    expect(firstDifference(await readWhole(reopened), expected)).toBe(-1);
    expect((await file.log()).length).toBe(requestsBefore + 1);
  });

  it('fetches a lost chunk record again while iterating', async () => {
    const file = await serveFile(uniqueName('lost'), { size: SIZE, seed: 32 });
    const { id } = await store().models.download(file.url, { chunkSize: CHUNK });
    await store().deleteRawChunk(id, 4);
    const model = await store().models.open(id);
    expect(firstDifference(await readWhole(model), file.expected())).toBe(-1);
    expect((await file.log()).at(-1)?.range).toBe(`bytes=${4 * CHUNK}-${SIZE - 1}`);
  });

  it('refuses a corrupted chunk with ModelIntegrityError when the source cannot serve it again', async () => {
    const file = await serveFile(uniqueName('unfixable'), { size: SIZE, seed: 33 });
    const { id } = await store().models.download(file.url, { chunkSize: CHUNK });
    await corruptChunk(id, 1);
    await file.addFault({ kind: 'status', status: 503 });
    const model = await store().models.open(id);
    await expect(model.read(CHUNK, 10)).rejects.toThrow(ModelIntegrityError);

    await file.change();
    await expect(model.chunk(1)).rejects.toThrow(ModelIntegrityError);
    expect((await file.log()).at(-1)).toMatchObject({ ifRange: '"33-v0"', status: 200 });
    await expect(model.read(0, 10)).resolves.toHaveLength(10);
  });

  it('refuses a corrupted chunk of a model imported from a File', async () => {
    const bytes = new Uint8Array(3 * CHUNK + 17).map((_, i) => (i * 7) & 0xff);
    const info = await store().models.importBlob(new File([bytes], 'local.bin'), { chunkSize: CHUNK });
    await corruptChunk(info.id, 0);
    const model = await store().models.open(info.id);
    await expect(model.read(0, 1)).rejects.toThrow(ModelIntegrityError);
    expect(firstDifference(await model.read(CHUNK, 2 * CHUNK + 17), bytes.subarray(CHUNK))).toBe(-1);
  });
});
