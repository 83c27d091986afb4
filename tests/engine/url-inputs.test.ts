/**
 * Every model format by URL in Node, where there is no model store: a local HTTP server (tests/helpers/file-server.ts)
 * serves one tiny RWKV-7 as rwkv.cpp `.bin`, `.pth`, safetensors, fla's (Hugging Face) safetensors, a folder of 3 fla
 * shards (the index URL alone, and the list of URLs), GGUF and a GGUF split in 2 parts, plus a LoRA adapter and a
 * state-tuning file.
 * Each gives exactly the logits and model identity of the same values from bytes in memory; the formats whose index
 * is not at the start are read by Range requests (counted), never downloaded whole. A server without Range support
 * still serves the front-to-back formats (.bin, GGUF) and is refused, with a ModelFormatError saying why, for the
 * others.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createEngine } from '../../src/engine/engine.js';
import type { EngineOptions } from '../../src/engine/engine.js';
import { ModelFormatError } from '../../src/errors.js';
import { serveFiles } from '../helpers/file-server.js';
import type { FileServer } from '../helpers/file-server.js';
import { ggufOf, matricesAs, writeGguf, writeSplitGguf } from '../helpers/write-gguf.js';
import { hubTensors } from '../helpers/write-hub.js';
import { loraPair, mergedDirectly } from '../helpers/write-lora.js';
import { officialTensors, writePth } from '../helpers/write-pth.js';
import { timeStateTensors } from '../helpers/state-tuning-files.js';
import { writeSafetensors } from '../helpers/write-safetensors.js';
import { writeShards } from '../helpers/write-shards.js';
import { modelBytes, tinyModel } from './helpers.js';

const model = tinyModel('7', 21);
const official = officialTensors(model);
const shards = writeShards(hubTensors(official, '7'), 3);
const ggufParts = writeSplitGguf(ggufOf(model, matricesAs('F32')), 2);
const adapter = loraPair(
  official.find(({ name }) => name === 'blocks.1.att.key.weight')!,
  4,
  5,
);
const stateTensors = timeStateTensors(model.spec, 3);

const FILES: Record<string, Uint8Array> = {
  '/m.bin': modelBytes(model),
  '/m.pth': writePth(official),
  '/m.safetensors': writeSafetensors(official),
  '/fla/model.safetensors': writeSafetensors(hubTensors(official, '7')),
  '/m.gguf': writeGguf(ggufOf(model, matricesAs('F32'))),
  '/split/m-00001-of-00002.gguf': ggufParts[0],
  '/split/m-00002-of-00002.gguf': ggufParts[1],
  '/repo/model.safetensors.index.json': new TextEncoder().encode(shards.index),
  ...Object.fromEntries(shards.files.map(({ name, bytes }) => [`/repo/${name}`, bytes])),
  '/adapter.safetensors': writeSafetensors(adapter),
  '/state.safetensors': writeSafetensors(stateTensors),
};

async function run(options: Partial<EngineOptions> & Pick<EngineOptions, 'model'>, state?: string | Uint8Array) {
  const engine = await createEngine({ backend: 'cpu', worker: false, ...options });
  if (state !== undefined) await engine.loadState(state, { name: 'tuned' });
  const session = await engine.createSession(state === undefined ? {} : { state: 'tuned' });
  await session.prefill('URL!');
  const result = { logits: await session.logits(), modelId: engine.info.modelId };
  await engine.dispose();
  return result;
}

describe('every format by URL, in Node (a server with Range requests)', () => {
  let server: FileServer;
  beforeAll(async () => {
    server = await serveFiles(FILES);
  });
  afterAll(() => server.close());

  test('.bin, .pth, safetensors, GGUF, split GGUF and a Hugging Face folder equal the same values from bytes', async () => {
    const expected = await run({ model: FILES['/m.bin'] });
    const inputs: [string, EngineOptions['model']][] = [
      ['.bin', server.url('/m.bin')],
      ['.pth', server.url('/m.pth')],
      ['safetensors', new URL(server.url('/m.safetensors'))],
      ['fla safetensors', server.url('/fla/model.safetensors')],
      ['GGUF', server.url('/m.gguf')],
      [
        'split GGUF (list of URLs)',
        [server.url('/split/m-00002-of-00002.gguf'), server.url('/split/m-00001-of-00002.gguf')],
      ],
      ['Hugging Face index URL', [server.url('/repo/model.safetensors.index.json')]],
      [
        'Hugging Face list of URLs',
        [
          server.url('/repo/model.safetensors.index.json'),
          ...shards.files.map(({ name }) => server.url(`/repo/${name}`)),
        ],
      ],
    ];
    for (const [what, input] of inputs) {
      const result = await run({ model: input });
      expect(result.logits, what).toEqual(expected.logits);
      expect(result.modelId, what).toBe(expected.modelId);
    }
    for (const path of ['/m.pth', '/m.safetensors', ...shards.files.map(({ name }) => `/repo/${name}`)]) {
      expect(server.requests.get(path)?.whole, `${path} is read by ranges only`).toBe(0);
      expect(server.requests.get(path)?.ranges, path).toBeGreaterThan(1);
    }
  });

  test('a LoRA adapter and a state-tuning file by URL equal the same files as bytes', async () => {
    const merged = await run({ model: writeSafetensors(mergedDirectly(official, [{ tensors: adapter }])) });
    const byUrl = await run({
      model: server.url('/m.safetensors'),
      lora: [{ adapter: server.url('/adapter.safetensors') }],
    });
    expect(byUrl.logits).toEqual(merged.logits);
    expect(byUrl.modelId).toBe(merged.modelId);

    const tuned = await run({ model: FILES['/m.bin'] }, FILES['/state.safetensors']);
    expect((await run({ model: FILES['/m.bin'] }, server.url('/state.safetensors'))).logits).toEqual(tuned.logits);
    expect(tuned.logits).not.toEqual((await run({ model: FILES['/m.bin'] })).logits);
  });
});

describe('a server without Range requests', () => {
  let server: FileServer;
  beforeAll(async () => {
    server = await serveFiles(FILES, { ranges: false });
  });
  afterAll(() => server.close());

  test('streams .bin and GGUF; refuses the random-access formats saying why', async () => {
    const expected = await run({ model: FILES['/m.bin'] });
    for (const path of ['/m.bin', '/m.gguf']) {
      expect((await run({ model: server.url(path) })).logits, path).toEqual(expected.logits);
    }
    for (const model of [server.url('/m.pth'), [server.url('/repo/model.safetensors.index.json')]]) {
      const error = await run({ model }).catch((reason: unknown) => reason);
      expect(error).toBeInstanceOf(ModelFormatError);
      expect((error as Error).message).toMatch(/read by random access.*Range requests|Range requests/);
    }
  });
});
