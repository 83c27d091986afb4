/**
 * GGUF models through createEngine on the CPU backend, as bytes, a File and a URL (a local HTTP server) and as the
 * parts of a split file (Files: in Node, without the model store, several files need random access): the same logits and model identity as the `.bin` of the same weights, and the World
 * vocabulary the file carries used with no `vocab` given (the tokenizer a caller names still wins); K-quant weights
 * on the CPU backend against the reference backend.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createEngine } from '../../src/engine/engine.js';
import type { EngineOptions } from '../../src/engine/engine.js';
import { TokenizerMismatchError } from '../../src/errors.js';
import type { CanonicalModel } from '../../src/model/spec.js';
import { model256, quantizedAs } from '../helpers/ggml-blocks.js';
import { ggufOf, ggufVocabulary, matricesAs, writeGguf, writeSplitGguf } from '../helpers/write-gguf.js';
import { modelBytes, tinyModel } from './helpers.js';

/** 256 single bytes (ids 1–256), "ab" (257), then padding up to the World vocabulary's 65536. */
const TOKENS = [...Array.from({ length: 256 }, (_, byte) => new Uint8Array([byte])), new Uint8Array([0x61, 0x62])];

const model: CanonicalModel = tinyModel('7', 11, 65536);
const gguf = writeGguf(ggufOf(model, matricesAs('F32'), { vocabulary: ggufVocabulary(TOKENS, 65536) }));
const parts = writeSplitGguf(ggufOf(model, matricesAs('F32'), { vocabulary: ggufVocabulary(TOKENS, 65536) }), 2);
const files: Record<string, Uint8Array> = { '/m.gguf': gguf };

let baseUrl: string;
const server = createServer((request, response) => {
  const body = files[request.url ?? ''];
  if (body === undefined) {
    response.writeHead(404).end();
    return;
  }
  response.writeHead(200, { 'content-length': body.length });
  response.end(body);
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** The same vocabulary as a World vocabulary file (each token a bytes literal of \x escapes). */
const VOCAB_FILE = TOKENS.map(
  (token, i) =>
    `${i + 1} b'${Array.from(token, (byte) => `\\x${byte.toString(16).padStart(2, '0')}`).join('')}' ${token.length}`,
).join('\n');

async function run(options: EngineOptions, text = 'ab ba') {
  const engine = await createEngine({ backend: 'cpu', ...options });
  const session = await engine.createSession();
  const tokens = await engine.tokenizer.encode(text);
  await session.prefill(text);
  const logits = await session.logits();
  const { modelId } = engine.info;
  await engine.dispose();
  return { logits, modelId, tokens };
}

describe('GGUF through createEngine', () => {
  test('bytes, File, URL and split parts: the logits and model id of the .bin; its vocabulary is used', async () => {
    const expected = await run({
      model: modelBytes(model),
      tokenizer: 'world',
      vocab: new TextEncoder().encode(VOCAB_FILE),
    });
    const inputs: [string, EngineOptions['model']][] = [
      ['bytes', gguf],
      ['File', new File([gguf.slice()], 'm.gguf')],
      ['URL', new URL('/m.gguf', baseUrl)],
      ['split Files', parts.map((part, i) => new File([part.slice()], `m-0000${i + 1}-of-00002.gguf`))],
    ];
    for (const [what, input] of inputs) {
      const result = await run({ model: input });
      // "ab" is one token of the file's vocabulary; ids are the World vocabulary's (a byte is its value + 1).
      expect(result.tokens, what).toEqual([257, 0x20 + 1, 0x62 + 1, 0x61 + 1]);
      expect(result.tokens, what).toEqual(expected.tokens);
      expect(result.modelId, what).toBe(expected.modelId);
      expect(result.logits, what).toEqual(expected.logits);
    }
  });

  test('K-quant weights on the CPU backend (decoded exactly to f32) match the reference backend', async () => {
    const kQuantized = writeGguf(ggufOf(model256('7', 256), quantizedAs('Q4_K', new Map())));
    const [cpu, reference] = await Promise.all(
      (['cpu', 'reference'] as const).map((backend) => run({ model: kQuantized, backend, worker: false }, 'GGUF!')),
    );
    const difference = cpu.logits.reduce(
      (worst, value, i) => Math.max(worst, Math.abs(value - reference.logits[i])),
      0,
    );
    console.log(`Q4_K GGUF on the cpu backend vs the reference: max-abs ${difference.toExponential(2)}`);
    // The matrices whose rows are no whole K-blocks are Q8_0, multiplied against x quantized to int16 per block:
    // the issue's 1e-3 for quantized weights (measured 9.99e-4 on these random blocks, logits up to 10.7).
    expect(difference).toBeLessThanOrEqual(1e-3);
    expect(cpu.modelId).toBe(reference.modelId);
  });

  test('a model file without a vocabulary still needs one', async () => {
    const bare = writeGguf(ggufOf(tinyModel('6', 3, 65536), matricesAs('F16')));
    await expect(createEngine({ model: bare, backend: 'cpu' })).rejects.toThrow(TokenizerMismatchError);
  });
});
