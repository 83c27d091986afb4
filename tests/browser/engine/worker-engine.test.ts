/**
 * The engine in a real browser, in its module Web Worker, over a fixture model loaded by URL: tokens against the CPU
 * oracle run on the page, two streaming sessions at once equal to solo runs, seeds, abort, chat chunks, typed
 * errors across the worker boundary, and one CPU thread in this page, which is not cross-origin isolated.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createEngine } from '../../../src/engine/engine.js';
import type { Engine } from '../../../src/engine/engine.js';
import type { GenerateOptions } from '../../../src/protocol/types.js';
import { AbortError, TokenizerMismatchError } from '../../../src/errors.js';
import { loadCanonicalModel } from '../../../src/formats/load.js';
import { bytesOf, collect, generatedIds, modelBytes, Oracle, tinyModel } from '../../engine/helpers.js';
import { describeWithFixtures, fetchFixture, fixtureUrl } from '../fixtures.js';

const MODEL_FILE = 'tiny-rwkv-5v2-730K-FP32.bin';
const PROMPT = 'In a hole in the ground';

describeWithFixtures('engine in a Web Worker (CPU backend)', () => {
  let engine: Engine;

  beforeAll(async () => {
    engine = await createEngine({ model: fixtureUrl('rwkv-cpp', MODEL_FILE), backend: 'cpu', prefillChunkSize: 8 });
  });
  afterAll(() => engine.dispose());

  test('loads by URL; greedy tokens equal the oracle run on the page', async () => {
    expect(engine.info).toMatchObject({ name: MODEL_FILE, generation: '5.2', nVocab: 256, backend: 'cpu' });
    const oracle = new Oracle(await loadCanonicalModel(await fetchFixture('rwkv-cpp', MODEL_FILE)));
    oracle.feed(bytesOf(PROMPT));
    expect(await generatedIds(engine, PROMPT, { temperature: 0, maxTokens: 24 })).toEqual(oracle.greedy(24));
  });

  test('two streaming sessions at once produce exactly their solo tokens; seeds reproduce', async () => {
    const jobs: [string, GenerateOptions][] = [
      ['Far over the misty mountains', { seed: 11, temperature: 0.8, topP: 0.9, maxTokens: 40 }],
      ['cold', { seed: 12, topK: 20, maxTokens: 30 }],
    ];
    const solo = [];
    for (const [prompt, options] of jobs) solo.push(await generatedIds(engine, prompt, options));
    const together = await Promise.all(jobs.map(([prompt, options]) => generatedIds(engine, prompt, options)));
    expect(together).toEqual(solo);
    expect(await generatedIds(engine, jobs[0][0], { ...jobs[0][1], seed: 99 })).not.toEqual(solo[0]);
  });

  test('abort ends the stream with an AbortError within one token', async () => {
    const session = await engine.createSession();
    await session.prefill(PROMPT);
    const controller = new AbortController();
    let seen = 0;
    const reading = (async () => {
      for await (const _ of session.generate({ maxTokens: 100_000, seed: 1, signal: controller.signal })) {
        if (++seen === 4) controller.abort();
      }
    })();
    await expect(reading).rejects.toBeInstanceOf(AbortError);
    expect(seen).toBe(4);
    const more = await collect(session.generate({ maxTokens: 3, seed: 2 }));
    expect(more).toHaveLength(3);
    await session.dispose();
  });

  test('chat streaming: OpenAI-shaped chunks, usage on the last', async () => {
    const stream = await engine.chat.completions.create({
      messages: [{ role: 'user', content: 'Hello' }],
      max_tokens: 12,
      seed: 5,
      stream: true,
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
    const last = chunks.at(-1)!;
    expect(last.object).toBe('chat.completion.chunk');
    expect(last.choices[0].finish_reason).toMatch(/^(stop|length)$/);
    expect(last.usage?.prompt_tokens).toBe('User: Hello\n\nAssistant:'.length);
    expect(last.usage?.completion_tokens).toBeGreaterThan(0);
  });
});

describe('engine in a Web Worker: typed errors cross the boundary', () => {
  test('TokenizerMismatchError and RangeError keep their classes', async () => {
    const model = modelBytes(tinyModel('7', 3, 300));
    await expect(createEngine({ model, backend: 'cpu' })).rejects.toBeInstanceOf(TokenizerMismatchError);
    const engine = await createEngine({ model: modelBytes(tinyModel('7')), backend: 'cpu' });
    const session = await engine.createSession();
    await expect(session.logits()).rejects.toBeInstanceOf(RangeError);
    await engine.dispose();
  });
});

describe('engine in a Web Worker of a page that is not cross-origin isolated', () => {
  test('the CPU backend runs on one thread whatever `threads` asks', async () => {
    expect(crossOriginIsolated).toBe(false);
    const engine = await createEngine({ model: modelBytes(tinyModel('7')), backend: 'cpu', threads: 2 });
    expect(engine.info.cpu).toMatchObject({ kernels: 'wasm-simd128', threads: 1 });
    await engine.dispose();
  });
});
