/**
 * createEngine({ model: url | File }) through the default IndexedDB model store, against the test server's synthetic
 * model files (tests/browser/server/): a URL is downloaded once and a second engine loads it offline (the server's
 * request log shows no request; a server that now refuses every request changes nothing), with the oracle's logits;
 * a download cut before the engine starts resumes with a Range at the stored chunk boundary and a cut during the
 * engine's own download is retried by itself; a corrupted stored chunk is fetched again (exactly its byte range)
 * and repaired; the manifest records the format and spec; a File is imported into the store. The CPU backend keeps
 * these fast; the WebGPU path (progress phases in order, logits) has a test of its own below.
 */
import { describe, expect, test } from 'vitest';
import { createEngine } from '../../../src/engine/engine.js';
import type { EngineEvent } from '../../../src/protocol/types.js';
import { createSyntheticModel, syntheticModelSpec } from '../../../src/generations/synthetic.js';
import { createModelStore, DEFAULT_CHUNK_SIZE, DownloadError, models } from '../../../src/storage/index.js';
import type { LoadProgress } from '../../../src/progress.js';
import { bytesOf, Oracle } from '../../engine/helpers.js';
import { serveModel } from '../server/client.js';
import { syntheticModelParts } from '../server/synthetic-model-file.js';
import {
  asStoredInF16,
  deleteModels,
  engineLogits,
  maxAbsDiff,
  oracleLogits,
  PROMPT,
  rawStore,
  SMALL_MODEL,
  uniqueName,
} from './helpers.js';

/** Store chunks of the tests that store a model before the engine does (the engine itself uses the default). */
const CHUNK = 16 * 1024;
const expected = oracleLogits(SMALL_MODEL);

describe('createEngine through the model store (CPU backend, in the worker)', () => {
  test('a URL downloads once; a second engine loads it from IndexedDB with no request, same logits', async () => {
    const served = await serveModel(uniqueName('offline'), { model: SMALL_MODEL, dataType: 'f32' });
    const id = models.idForUrl(served.url);
    try {
      const first = await createEngine({ model: served.url, backend: 'reference' });
      expect(await engineLogits(first)).toEqual(expected);
      await first.dispose();
      const requests = await served.log();
      expect(requests).toMatchObject([{ method: 'GET', status: 200, bytesSent: served.size }]);
      const manifest = await rawStore.manifest(id);
      expect(manifest).toMatchObject({ status: 'complete', bytes: served.size, format: 'rwkv-cpp' });
      expect(manifest?.spec).toEqual(syntheticModelSpec(SMALL_MODEL));

      await served.addFault({ kind: 'status', status: 503 });
      const events: EngineEvent[] = [];
      const second = await createEngine({
        model: served.url,
        backend: 'reference',
        onProgress: (event) => events.push(event),
      });
      expect(await engineLogits(second)).toEqual(expected);
      await second.dispose();
      expect(await served.log()).toHaveLength(1);
      expect(events.some((event) => event.phase === 'download')).toBe(false);
      expect(events.at(-1)).toMatchObject({ phase: 'ready' });
    } finally {
      await deleteModels(id);
    }
  });

  test('a download cut before the engine resumes at the stored chunk boundary; a cut during it is retried', async () => {
    const served = await serveModel(uniqueName('resume'), { model: SMALL_MODEL, dataType: 'f32' });
    const id = models.idForUrl(served.url);
    try {
      await served.addFault({ kind: 'cut', afterBytes: 3 * CHUNK + 1000 });
      const impatient = createModelStore({ retry: { maxRetries: 0 } });
      await expect(impatient.download(served.url, { chunkSize: CHUNK })).rejects.toBeInstanceOf(DownloadError);
      expect(await models.info(id)).toMatchObject({ complete: false, storedBytes: 3 * CHUNK });

      await served.addFault({ kind: 'cut', afterBytes: 2 * CHUNK + 500 });
      const downloads: LoadProgress[] = [];
      const engine = await createEngine({
        model: served.url,
        backend: 'reference',
        onProgress: (event) => void (event.phase === 'download' && downloads.push(event)),
      });
      expect(await engineLogits(engine)).toEqual(expected);
      await engine.dispose();
      const requests = await served.log();
      const etag = requests.length > 1 ? requests[1].ifRange : undefined;
      expect(requests.map(({ range, status }) => ({ range, status }))).toEqual([
        { range: undefined, status: 200 },
        { range: `bytes=${3 * CHUNK}-`, status: 206 },
        { range: `bytes=${5 * CHUNK}-`, status: 206 },
      ]);
      expect(etag).toMatch(/^"/);
      expect(downloads[0].loaded).toBeGreaterThanOrEqual(3 * CHUNK);
      expect(downloads.at(-1)).toEqual({ phase: 'download', loaded: served.size, total: served.size });
      expect(await models.info(id)).toMatchObject({ complete: true, storedBytes: served.size });
    } finally {
      await deleteModels(id);
    }
  });

  test('a corrupted stored chunk is fetched again (its byte range only), repaired, and the model loads', async () => {
    const served = await serveModel(uniqueName('corrupt'), { model: SMALL_MODEL, dataType: 'f32' });
    const id = models.idForUrl(served.url);
    try {
      await models.download(served.url, { chunkSize: CHUNK });
      const original = new Uint8Array((await rawStore.chunk(id, 2))!);
      const damaged = original.slice();
      damaged[100] ^= 0xff;
      await rawStore.setChunk(id, 2, damaged.buffer);
      const before = (await served.log()).length;

      const engine = await createEngine({ model: served.url, backend: 'reference' });
      expect(await engineLogits(engine)).toEqual(expected);
      await engine.dispose();
      expect((await served.log()).slice(before)).toMatchObject([
        { range: `bytes=${2 * CHUNK}-${3 * CHUNK - 1}`, status: 206, bytesSent: CHUNK },
      ]);
      expect(new Uint8Array((await rawStore.chunk(id, 2))!)).toEqual(original);
    } finally {
      await deleteModels(id);
    }
  });

  test('a File is imported into the store in chunks and loads from it; an identical File is not imported again', async () => {
    const setup = { model: { ...SMALL_MODEL, seed: 12 }, dataType: 'f32' as const };
    let blob = new Blob([]);
    for (const part of syntheticModelParts(setup)) blob = new Blob([blob, part]);
    const file = new File([blob], `${uniqueName('picked')}.bin`, { lastModified: 1_700_000_000_000 });
    const id = `file:${file.name}#${file.size}-${file.lastModified}`;
    try {
      const events: EngineEvent[] = [];
      const engine = await createEngine({
        model: file,
        backend: 'reference',
        onProgress: (event) => events.push(event),
      });
      expect(engine.info.name).toBe(file.name);
      expect(await engineLogits(engine)).toEqual(oracleLogits(setup.model));
      await engine.dispose();
      const manifest = await rawStore.manifest(id);
      expect(manifest).toMatchObject({
        source: { kind: 'blob', name: file.name },
        status: 'complete',
        bytes: file.size,
        chunkSize: DEFAULT_CHUNK_SIZE,
        chunkCount: Math.ceil(file.size / DEFAULT_CHUNK_SIZE),
        format: 'rwkv-cpp',
      });
      expect(events.filter((event) => event.phase === 'download').at(-1)).toEqual({
        phase: 'download',
        loaded: file.size,
        total: file.size,
      });

      const again: EngineEvent[] = [];
      const reloaded = await createEngine({
        model: file,
        backend: 'reference',
        onProgress: (event) => again.push(event),
      });
      expect(await engineLogits(reloaded)).toEqual(oracleLogits(setup.model));
      await reloaded.dispose();
      expect(again.some((event) => event.phase === 'download' || event.phase === 'verify')).toBe(false);
    } finally {
      await deleteModels(id);
    }
  });
});

describe('createEngine through the model store on WebGPU', () => {
  test('progress: download, verify, parse, upload, compile, ready in order with byte counts; logits', async () => {
    const setup = { model: { ...SMALL_MODEL, seed: 13 }, dataType: 'f16' as const };
    const served = await serveModel(uniqueName('webgpu'), setup);
    const id = models.idForUrl(served.url);
    try {
      const events: EngineEvent[] = [];
      const engine = await createEngine({
        model: served.url,
        backend: 'webgpu',
        onProgress: (event) => events.push(event),
      });
      const oracle = new Oracle(asStoredInF16(createSyntheticModel(setup.model))).feed(bytesOf(PROMPT));
      expect(maxAbsDiff(await engineLogits(engine), oracle)).toBeLessThan(1e-3);
      expect(engine.info).toMatchObject({ backend: 'webgpu', weightType: 'f16' });
      await engine.dispose();

      const progress = events.filter((event): event is LoadProgress => event.phase !== 'warning');
      expect(progress).toHaveLength(events.length);
      const phases = [...new Set(progress.map((event) => event.phase))];
      expect(phases).toEqual(['download', 'verify', 'parse', 'upload', 'compile', 'ready']);
      for (const phase of phases) {
        const own = progress.filter((event) => event.phase === phase);
        const first = progress.indexOf(own[0]);
        const last = progress.lastIndexOf(own.at(-1)!);
        expect(
          progress.slice(first, last + 1).every((event) => event.phase === phase),
          `${phase} is contiguous`,
        ).toBe(true);
        expect(own.every((event, i) => i === 0 || event.loaded >= own[i - 1].loaded)).toBe(true);
        expect(own.at(-1)!.loaded).toBe(own.at(-1)!.total);
      }
      const last = (phase: string) => progress.filter((event) => event.phase === phase).at(-1)!;
      expect(last('download')).toEqual({ phase: 'download', loaded: served.size, total: served.size });
      expect(last('verify')).toEqual({ phase: 'verify', loaded: served.size, total: served.size });
      expect(progress.filter((event) => event.phase === 'parse')).toEqual([{ phase: 'parse', loaded: 24, total: 24 }]);
      expect(last('upload')).toEqual({ phase: 'upload', loaded: served.size, total: served.size });
      expect(last('compile').total).toBe(last('ready').total);
      expect(last('ready').total).toBeGreaterThan(0);
    } finally {
      await deleteModels(id);
    }
  });
});
