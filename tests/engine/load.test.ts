/**
 * createEngine's inputs and failures: a model as bytes, Blob or URL (served from a local HTTP server, with download
 * progress), the backend choice and its CPU fallback warning, tokenizer checks, typed errors, abort and dispose.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createEngine } from '../../src/engine/engine.js';
import type { EngineEvent } from '../../src/protocol/types.js';
import { AbortError, ModelFormatError, TokenizerMismatchError, WebGPUUnavailableError } from '../../src/errors.js';
import { DownloadError } from '../../src/storage/errors.js';
import { officialTensors, writePth } from '../helpers/write-pth.js';
import { writeSafetensors } from '../helpers/write-safetensors.js';
import { collect, cpuEngine, modelBytes, tinyModel } from './helpers.js';

const model = tinyModel('5.2');
const bytes = modelBytes(model);
let baseUrl: string;
const server = createServer((request, response) => {
  if (request.url !== '/models/tiny.bin') {
    response.writeHead(404).end();
    return;
  }
  response.writeHead(200, { 'content-length': bytes.length });
  response.end(bytes);
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function nVocabOf(options: Parameters<typeof createEngine>[0]): Promise<number> {
  const engine = await createEngine(options);
  await engine.dispose();
  return engine.info.nVocab;
}

describe('createEngine', () => {
  test('takes the model as Uint8Array, ArrayBuffer or Blob', async () => {
    const buffer = bytes.slice().buffer;
    for (const input of [bytes, buffer, new Blob([bytes])]) {
      expect(await nVocabOf({ model: input, backend: 'cpu' })).toBe(256);
    }
  });

  test('reads .pth and safetensors files from a File (random access): same logits as the .bin', async () => {
    const logitsOf = async (input: Blob) => {
      const engine = await createEngine({ model: input, backend: 'cpu' });
      const session = await engine.createSession();
      await session.prefill('abc');
      const logits = await session.logits();
      await engine.dispose();
      return logits;
    };
    const expected = await logitsOf(new Blob([bytes]));
    const official = officialTensors(model);
    for (const file of [writePth(official), writeSafetensors(official)]) {
      const events: EngineEvent[] = [];
      const engine = await createEngine({
        model: new File([file.slice()], 'model.pth'),
        backend: 'cpu',
        onProgress: (event) => events.push(event),
      });
      expect(engine.info.name).toBe('model.pth');
      expect(events.some((event) => event.phase === 'parse' && event.loaded > 0)).toBe(true);
      await engine.dispose();
      expect(await logitsOf(new Blob([file.slice()]))).toEqual(expected);
    }
  });

  test('fetches a URL, reporting download progress and then ready; the name is the file name', async () => {
    const events: EngineEvent[] = [];
    const engine = await createEngine({
      model: new URL('/models/tiny.bin', baseUrl),
      backend: 'cpu',
      onProgress: (event) => events.push(event),
    });
    const downloads = events.filter((event) => event.phase === 'download');
    expect(downloads.length).toBeGreaterThan(0);
    expect(downloads.at(-1)).toEqual({ phase: 'download', loaded: bytes.length, total: bytes.length });
    expect(events.at(-1)).toMatchObject({ phase: 'ready' });
    expect(engine.info.name).toBe('tiny.bin');
    await engine.dispose();
    await expect(createEngine({ model: `${baseUrl}/missing.bin`, backend: 'cpu' })).rejects.toBeInstanceOf(
      DownloadError,
    );
  });

  test("'auto' falls back to the CPU with a warning event where there is no WebGPU; 'webgpu' fails", async () => {
    const events: EngineEvent[] = [];
    const engine = await createEngine({ model: bytes, onProgress: (event) => events.push(event) });
    expect(engine.info.backend).toBe('cpu');
    expect(engine.info.warnings).toHaveLength(1);
    expect(events.filter((event) => event.phase === 'warning')).toEqual([
      { phase: 'warning', code: 'webgpu-unavailable', message: engine.info.warnings[0] },
    ]);
    await engine.dispose();
    await expect(createEngine({ model: bytes, backend: 'webgpu' })).rejects.toBeInstanceOf(WebGPUUnavailableError);
  });

  test('a tokenizer that does not fit the model is a TokenizerMismatchError', async () => {
    const world = modelBytes(tinyModel('7', 3, 65536));
    await expect(createEngine({ model: world, backend: 'cpu', tokenizer: 'bytes' })).rejects.toBeInstanceOf(
      TokenizerMismatchError,
    );
    const odd = modelBytes(tinyModel('7', 3, 300));
    await expect(createEngine({ model: odd, backend: 'cpu' })).rejects.toThrow(/No tokenizer is known/);
    await expect(createEngine({ model: bytes, tokenizer: 'world' })).rejects.toThrow(/needs its vocabulary/);
    // Found by the fuzzer: a file whose vocabulary asks for World, loaded without `vocab`, was a plain TypeError.
    const noVocab = createEngine({ model: world, backend: 'cpu' });
    await expect(noVocab).rejects.toBeInstanceOf(TokenizerMismatchError);
    await expect(noVocab).rejects.toThrow(/vocabulary of 65536 tokens, that of the world tokenizer: pass `vocab`/);
  });

  test('bad input fails with typed errors', async () => {
    await expect(createEngine({ model: new Uint8Array(64) })).rejects.toBeInstanceOf(ModelFormatError);
    await expect(createEngine({ model: bytes.subarray(0, 500) })).rejects.toBeInstanceOf(ModelFormatError);
    await expect(createEngine({ model: bytes, backend: 'gpu' as 'cpu' })).rejects.toThrow(TypeError);
    await expect(createEngine({ model: 42 as unknown as Blob })).rejects.toThrow(TypeError);
    await expect(createEngine({ model: bytes, worker: true })).rejects.toThrow(/Web Workers/);
    await expect(createEngine({ model: bytes, signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
  });

  test('dispose aborts running generations and refuses new work', async () => {
    const engine = await cpuEngine(model);
    const session = await engine.createSession();
    await session.prefill('Run');
    const iterator = session.generate({ maxTokens: 100_000, seed: 4 })[Symbol.asyncIterator]();
    await iterator.next();
    await engine.dispose();
    await expect(collect({ [Symbol.asyncIterator]: () => iterator })).rejects.toBeInstanceOf(AbortError);
    await expect(engine.createSession()).rejects.toThrow(/disposed/);
    await expect(engine.evaluate('after the end')).rejects.toThrow(/disposed/);
  });
});
