/**
 * Coordination: downloads of the same model run one at a time under a Web Lock named after the model (locks are
 * per origin, so other tabs queue the same way); the second caller finds the model stored and fetches nothing.
 */
import { describe, expect, it } from 'vitest';
import { serveFile } from '../server/client.js';
import { firstDifference, readWhole, TEST_CHUNK_SIZE, uniqueName, storePerTest } from './helpers.js';

const CHUNK = TEST_CHUNK_SIZE;
const SIZE = 4 * CHUNK + 3;

describe('model store: one download per model', () => {
  const store = storePerTest();

  it('fetches the bytes once for two concurrent downloads of the same URL', async () => {
    const file = await serveFile(uniqueName('twice'), { size: SIZE, seed: 61 });
    let snapshot: Promise<LockManagerSnapshot> | undefined;
    const [a, b] = await Promise.all([
      store().models.download(file.url, {
        chunkSize: CHUNK,
        onProgress: () => {
          snapshot ??= navigator.locks.query();
        },
      }),
      store().models.download(file.url, { chunkSize: CHUNK }),
    ]);
    expect(a).toMatchObject({ complete: true, bytes: SIZE });
    expect(b).toMatchObject({ complete: true, bytes: SIZE });

    const log = await file.log();
    expect(log).toHaveLength(1);
    expect(log.reduce((sum, entry) => sum + entry.bytesSent, 0)).toBe(SIZE);

    const locks = await (snapshot as Promise<LockManagerSnapshot>);
    const mine = (entry: LockInfo): boolean => entry.name?.endsWith(file.url) ?? false;
    expect(locks.held?.filter(mine)).toHaveLength(1);
    expect(locks.pending?.filter(mine)).toHaveLength(1);
    expect(firstDifference(await readWhole(await store().models.open(file.url)), file.expected())).toBe(-1);
  });

  it('lets different models download side by side', async () => {
    const one = await serveFile(uniqueName('side-a'), { size: SIZE, seed: 62 });
    const two = await serveFile(uniqueName('side-b'), { size: SIZE, seed: 63 });
    await one.addFault({ kind: 'stall', afterBytes: 10 });
    const controller = new AbortController();
    const stalled = store()
      .models.download(one.url, { chunkSize: CHUNK, signal: controller.signal })
      .catch(() => null);
    expect((await store().models.download(two.url, { chunkSize: CHUNK })).complete).toBe(true);
    controller.abort();
    await stalled;
  });
});
