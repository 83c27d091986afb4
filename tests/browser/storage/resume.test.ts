/**
 * Interrupted downloads: a connection cut midway resumes automatically with `Range: bytes=N-` from the last stored
 * chunk boundary (conditional on the ETag or Last-Modified through If-Range); after the retries run out the partial
 * download is kept and a later call resumes it; a file changed on the server starts over; a server that ignores
 * Range is read on from where the stored bytes end, the bytes it sends again checked against the stored hashes;
 * busy statuses are retried. A server with no ETag and no Last-Modified is resumed too: the last stored chunk is
 * asked for again and must hash as stored, else the download starts over with a `download-restarted` warning.
 */
import { describe, expect, it } from 'vitest';
import type { LoadWarning } from '../../../src/progress.js';
import { DownloadError, ModelNotStoredError } from '../../../src/storage/index.js';
import { serveFile, type ServedFileHandle } from '../server/client.js';
import type { RequestLogEntry } from '../server/protocol.js';
import { firstDifference, readWhole, TEST_CHUNK_SIZE, uniqueName, storePerTest } from './helpers.js';

const CHUNK = TEST_CHUNK_SIZE;
const SIZE = 6 * CHUNK + 999;

const rangeStart = (entry: RequestLogEntry): number | undefined => {
  const match = /^bytes=(\d+)-$/.exec(entry.range ?? '');
  return match ? Number(match[1]) : undefined;
};

describe('model store: resuming interrupted downloads', () => {
  const store = storePerTest();

  async function expectStoredBytes(file: ServedFileHandle, version = 0): Promise<void> {
    const model = await store().models.open(file.url);
    expect(firstDifference(await readWhole(model), file.expected(version))).toBe(-1);
  }

  it('resumes a cut connection by itself with a Range request at the last chunk boundary', async () => {
    const file = await serveFile(uniqueName('cut'), { size: SIZE, seed: 21 });
    await file.addFault({ kind: 'cut', afterBytes: 2 * CHUNK + CHUNK / 2 });
    const info = await store().models.download(file.url, { chunkSize: CHUNK });
    expect(info.complete).toBe(true);
    await expectStoredBytes(file);

    const log = await file.log();
    expect(log.map((entry) => entry.status)).toEqual([200, 206]);
    expect(log[0].range).toBeUndefined();
    expect(log[0].bytesSent).toBe(2 * CHUNK + CHUNK / 2);
    expect(rangeStart(log[1])).toBe(2 * CHUNK);
    expect(log[1].ifRange).toBe('"21-v0"');
    expect(log[1].bytesSent).toBe(SIZE - 2 * CHUNK);
  });

  it('resumes with If-Range on Last-Modified when the server sends no ETag', async () => {
    const file = await serveFile(uniqueName('cut-lm'), { size: SIZE, seed: 22, validators: 'last-modified' });
    await file.addFault({ kind: 'cut', afterBytes: 4 * CHUNK + 1 });
    await store().models.download(file.url, { chunkSize: CHUNK });
    await expectStoredBytes(file);
    const log = await file.log();
    expect(log.map((entry) => entry.status)).toEqual([200, 206]);
    expect(rangeStart(log[1])).toBe(4 * CHUNK);
    expect(log[1].ifRange).toMatch(/GMT$/);
  });

  it('keeps a partial download when the retries run out, and a later call resumes it', async () => {
    const file = await serveFile(uniqueName('later'), { size: SIZE, seed: 23 });
    await file.addFault({ kind: 'cut', afterBytes: 3 * CHUNK + 10 });
    for (let i = 0; i < 3; i++) await file.addFault({ kind: 'cut', afterBytes: 100 });
    await expect(store().models.download(file.url, { chunkSize: CHUNK })).rejects.toThrow(DownloadError);

    const partial = await store().models.info(file.url);
    expect(partial).toMatchObject({ complete: false, bytes: SIZE, storedBytes: 3 * CHUNK });
    expect((await store().rawManifest(file.url))?.status).toBe('partial');
    await expect(store().models.open(file.url)).rejects.toThrow(ModelNotStoredError);
    const failedRequests = (await file.log()).length;
    expect(failedRequests).toBe(4);

    const info = await store().models.download(file.url, { chunkSize: CHUNK });
    expect(info.complete).toBe(true);
    await expectStoredBytes(file);
    const resumed = (await file.log()).slice(failedRequests);
    expect(resumed).toHaveLength(1);
    expect(resumed[0].status).toBe(206);
    expect(rangeStart(resumed[0])).toBe(3 * CHUNK);
  });

  it('starts over when the file changed on the server (If-Range fails, 200 with a new ETag)', async () => {
    const file = await serveFile(uniqueName('changed'), { size: SIZE, seed: 24 });
    await file.addFault({ kind: 'cut', afterBytes: 2 * CHUNK + 5 });
    for (let i = 0; i < 3; i++) await file.addFault({ kind: 'cut', afterBytes: 100 });
    await expect(store().models.download(file.url, { chunkSize: CHUNK })).rejects.toThrow(DownloadError);
    expect((await store().models.info(file.url))?.storedBytes).toBe(2 * CHUNK);

    await file.change();
    await store().models.download(file.url, { chunkSize: CHUNK });
    await expectStoredBytes(file, 1);
    const last = (await file.log()).at(-1) as RequestLogEntry;
    expect(rangeStart(last)).toBe(2 * CHUNK);
    expect(last).toMatchObject({ ifRange: '"24-v0"', status: 200, bytesSent: SIZE });
    expect((await store().rawManifest(file.url))?.etag).toBe('"24-v1"');
  });

  it('reads on past the stored bytes when the server ignores Range but serves the same version', async () => {
    const file = await serveFile(uniqueName('no-ranges'), { size: SIZE, seed: 25, ranges: false });
    await file.addFault({ kind: 'cut', afterBytes: 3 * CHUNK + 77 });
    await store().models.download(file.url, { chunkSize: CHUNK });
    await expectStoredBytes(file);
    const log = await file.log();
    expect(log.map((entry) => entry.status)).toEqual([200, 200]);
    expect(rangeStart(log[1])).toBe(3 * CHUNK);
  });

  it('resumes from a server with no ETag or Last-Modified, asking again for the last stored chunk', async () => {
    const file = await serveFile(uniqueName('cut-none'), { size: SIZE, seed: 28, validators: 'none' });
    await file.addFault({ kind: 'cut', afterBytes: 4 * CHUNK + 1 });
    const warnings: LoadWarning[] = [];
    await store().models.download(file.url, { chunkSize: CHUNK, onWarning: (warning) => warnings.push(warning) });
    await expectStoredBytes(file);
    const log = await file.log();
    expect(log.map((entry) => entry.status)).toEqual([200, 206]);
    expect(rangeStart(log[1])).toBe(3 * CHUNK);
    expect(log[1].ifRange).toBeUndefined();
    expect(log[1].bytesSent).toBe(SIZE - 3 * CHUNK);

    // One chunk stored: the resume asks for it again from byte 0, still as a Range, and keeps it.
    const early = await serveFile(uniqueName('cut-none-early'), { size: SIZE, seed: 32, validators: 'none' });
    await early.addFault({ kind: 'cut', afterBytes: CHUNK + 10 });
    await store().models.download(early.url, { chunkSize: CHUNK, onWarning: (warning) => warnings.push(warning) });
    await expectStoredBytes(early);
    const earlyLog = await early.log();
    expect(earlyLog.map((entry) => entry.status)).toEqual([200, 206]);
    expect(rangeStart(earlyLog[1])).toBe(0);
    expect(warnings).toEqual([]);
  });

  it('starts over, with a warning saying why, when a file without validators changed before the resume', async () => {
    const file = await serveFile(uniqueName('changed-none'), { size: SIZE, seed: 29, validators: 'none' });
    await file.addFault({ kind: 'cut', afterBytes: 3 * CHUNK + 5 });
    for (let i = 0; i < 3; i++) await file.addFault({ kind: 'cut', afterBytes: 100 });
    await expect(store().models.download(file.url, { chunkSize: CHUNK })).rejects.toThrow(DownloadError);
    expect((await store().models.info(file.url))?.storedBytes).toBe(3 * CHUNK);

    await file.change();
    const warnings: LoadWarning[] = [];
    await store().models.download(file.url, { chunkSize: CHUNK, onWarning: (warning) => warnings.push(warning) });
    await expectStoredBytes(file, 1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ phase: 'warning', code: 'download-restarted' });
    expect(warnings[0].message).toMatch(/starts over from byte 0: the bytes the server sends again differ/);
    expect(warnings[0].message).toContain(`the ${3 * CHUNK} bytes stored were discarded`);
    const [resume, restart] = (await file.log()).slice(-2);
    expect(resume.status).toBe(206);
    expect(resume.ifRange).toBeUndefined();
    expect(rangeStart(resume)).toBe(2 * CHUNK);
    expect(restart.range).toBeUndefined();
    expect(restart).toMatchObject({ status: 200, bytesSent: SIZE });
  });

  it('a server with neither validators nor Range: reads on, checking every stored chunk sent again', async () => {
    const same = await serveFile(uniqueName('bare'), { size: SIZE, seed: 30, validators: 'none', ranges: false });
    await same.addFault({ kind: 'cut', afterBytes: 3 * CHUNK + 77 });
    const warnings: LoadWarning[] = [];
    const onWarning = (warning: LoadWarning): number => warnings.push(warning);
    await store().models.download(same.url, { chunkSize: CHUNK, onWarning });
    await expectStoredBytes(same);
    expect((await same.log()).map((entry) => entry.status)).toEqual([200, 200]);
    expect(warnings).toEqual([]);

    const changed = await serveFile(uniqueName('bare-changed'), {
      size: SIZE,
      seed: 31,
      validators: 'none',
      ranges: false,
    });
    await changed.addFault({ kind: 'cut', afterBytes: 2 * CHUNK + 9 });
    for (let i = 0; i < 3; i++) await changed.addFault({ kind: 'cut', afterBytes: 100 });
    await expect(store().models.download(changed.url, { chunkSize: CHUNK })).rejects.toThrow(DownloadError);
    await changed.change();
    await store().models.download(changed.url, { chunkSize: CHUNK, onWarning });
    await expectStoredBytes(changed, 1);
    expect(warnings.map((warning) => warning.code)).toEqual(['download-restarted']);
  });

  it('retries busy statuses and fails at once on refusals', async () => {
    const busy = await serveFile(uniqueName('busy'), { size: SIZE, seed: 26 });
    await busy.addFault({ kind: 'status', status: 503 });
    await busy.addFault({ kind: 'status', status: 429 });
    await store().models.download(busy.url, { chunkSize: CHUNK });
    await expectStoredBytes(busy);
    expect((await busy.log()).map((entry) => entry.status)).toEqual([503, 429, 200]);

    const refused = await serveFile(uniqueName('refused'), { size: SIZE, seed: 27 });
    await refused.addFault({ kind: 'status', status: 403 });
    await expect(store().models.download(refused.url, { chunkSize: CHUNK })).rejects.toMatchObject({ status: 403 });
    expect(await refused.log()).toHaveLength(1);
  });
});
