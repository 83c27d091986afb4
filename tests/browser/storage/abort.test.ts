/**
 * Aborting: an AbortSignal stops a download quickly (even one whose connection stalls), rejects with the library's
 * AbortError, and keeps every chunk stored so far for a later call to resume.
 */
import { describe, expect, it } from 'vitest';
import { AbortError } from '../../../src/errors.js';
import { serveFile } from '../server/client.js';
import { firstDifference, readWhole, TEST_CHUNK_SIZE, uniqueName, storePerTest } from './helpers.js';

const CHUNK = TEST_CHUNK_SIZE;
const SIZE = 6 * CHUNK + 5;

describe('model store: abort', () => {
  const store = storePerTest();

  it('stops, keeps the stored chunks, and a later call resumes from them', async () => {
    const file = await serveFile(uniqueName('abort'), { size: SIZE, seed: 51 });
    const controller = new AbortController();
    const download = store().models.download(file.url, {
      chunkSize: CHUNK,
      signal: controller.signal,
      onProgress: ({ loaded }) => {
        if (loaded >= 3 * CHUNK) controller.abort();
      },
    });
    const error = await download.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as Error).name).toBe('AbortError');

    const partial = await store().models.info(file.url);
    expect(partial?.complete).toBe(false);
    const kept = partial?.storedBytes;
    expect(kept).toBe(3 * CHUNK);

    const requestsBefore = (await file.log()).length;
    await store().models.download(file.url, { chunkSize: CHUNK });
    expect((await file.log()).slice(requestsBefore).map((entry) => entry.range)).toEqual([`bytes=${kept}-`]);
    expect(firstDifference(await readWhole(await store().models.open(file.url)), file.expected())).toBe(-1);
  });

  it('stops within moments on a stalled connection', async () => {
    const file = await serveFile(uniqueName('stall'), { size: SIZE, seed: 52 });
    await file.addFault({ kind: 'stall', afterBytes: CHUNK + 100 });
    const controller = new AbortController();
    let firstChunkStored!: () => void;
    const stored = new Promise<void>((resolve) => (firstChunkStored = resolve));
    const download = store().models.download(file.url, {
      chunkSize: CHUNK,
      signal: controller.signal,
      onProgress: ({ loaded }) => loaded >= CHUNK && firstChunkStored(),
    });
    const outcome = download.catch((caught: unknown) => caught);
    await stored;
    await new Promise((resolve) => setTimeout(resolve, 100));
    const abortedAt = performance.now();
    controller.abort();
    expect(await outcome).toBeInstanceOf(AbortError);
    expect(performance.now() - abortedAt).toBeLessThan(500);
    expect((await store().models.info(file.url))?.storedBytes).toBe(CHUNK);
  });

  it('rejects at once with an already aborted signal, and while waiting for another download of the model', async () => {
    const file = await serveFile(uniqueName('abort-waiting'), { size: SIZE, seed: 53 });
    await expect(
      store().models.download(file.url, { chunkSize: CHUNK, signal: AbortSignal.abort() }),
    ).rejects.toBeInstanceOf(AbortError);
    expect(await file.log()).toHaveLength(0);

    await file.addFault({ kind: 'stall', afterBytes: 10 });
    const first = new AbortController();
    const running = store()
      .models.download(file.url, { chunkSize: CHUNK, signal: first.signal })
      .catch((e: unknown) => e);
    const second = new AbortController();
    const waiting = store()
      .models.download(file.url, { chunkSize: CHUNK, signal: second.signal })
      .catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 100));
    second.abort();
    expect(await waiting).toBeInstanceOf(AbortError);
    first.abort();
    expect(await running).toBeInstanceOf(AbortError);
    expect(await file.log()).toHaveLength(1);
  });
});
