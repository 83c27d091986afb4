/**
 * Sessions against the CPU oracle: prefill and logits, fork (a copy that then goes its own way), state export and
 * restore, disposal; and the engine's tokenizer and info.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { stateSize } from '../../src/generations/state.js';
import { bytesOf, collect, cpuEngine, Oracle, tinyModel } from './helpers.js';

const model = tinyModel('6');
let engine: Engine;

beforeAll(async () => {
  engine = await cpuEngine(model, { prefillChunkSize: 5 });
});
afterAll(() => engine.dispose());

function expectClose(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  expect(worst).toBeLessThan(1e-4);
}

function oracleLogits(text: string): Float32Array {
  return new Oracle(model).feed(bytesOf(text));
}

describe('sessions', () => {
  test('prefill (text, ids or Uint32Array, in pieces) and logits match the oracle', async () => {
    const session = await engine.createSession();
    await session.prefill('Hello, ');
    await session.prefill(bytesOf('wor'));
    await session.prefill(Uint32Array.from(bytesOf('ld!')));
    expectClose(await session.logits(), oracleLogits('Hello, world!'));
    await session.dispose();
  });

  test('fork copies the state; afterwards the two sessions are independent', async () => {
    const parent = await engine.createSession();
    await parent.prefill('A shared beginning');
    const child = await parent.fork();
    expectClose(await child.logits(), await parent.logits());
    await Promise.all([parent.prefill(' then left'), child.prefill(' then right')]);
    expectClose(await parent.logits(), oracleLogits('A shared beginning then left'));
    expectClose(await child.logits(), oracleLogits('A shared beginning then right'));
    await Promise.all([parent.dispose(), child.dispose()]);
  });

  test('a fork right after a generation carries the last, not yet fed, token too', async () => {
    const parent = await engine.createSession();
    await parent.prefill('Fork me');
    const generated = await collect(parent.generate({ temperature: 0, maxTokens: 4 }));
    const child = await parent.fork();
    const expected = new Oracle(model).feed([...bytesOf('Fork me'), ...generated.map((t) => t.token)]);
    expectClose(await child.logits(), expected);
    expectClose(await parent.logits(), expected);
    await Promise.all([parent.dispose(), child.dispose()]);
  });

  test('an exported state restores into a new session', async () => {
    const session = await engine.createSession();
    await session.prefill('Remember this');
    const state = await session.exportState();
    expect(state.data.length).toBe(stateSize(model.spec));
    const oracle = new Oracle(model);
    oracle.feed(bytesOf('Remember this'));
    expectClose(state.data, oracle.state.data);
    const restored = await engine.createSession(state);
    await restored.prefill('!');
    expectClose(await restored.logits(), oracleLogits('Remember this!'));
    await expect(engine.createSession({ layoutVersion: 1, data: new Float32Array(3) })).rejects.toThrow(RangeError);
    await Promise.all([session.dispose(), restored.dispose()]);
  });

  test('logits of a fresh session and tokens outside the vocabulary are RangeErrors', async () => {
    const session = await engine.createSession();
    await expect(session.logits()).rejects.toThrow(/prefill/);
    await expect(session.prefill([300])).rejects.toThrow(/outside the vocabulary/);
    await expect(session.prefill([1.5])).rejects.toThrow(RangeError);
    await session.dispose();
  });

  test('a disposed session refuses work; disposing during a generation aborts it', async () => {
    const session = await engine.createSession();
    await session.prefill('Going');
    await session.dispose();
    await expect(session.prefill('more')).rejects.toThrow(/disposed/);
    const busy = await engine.createSession();
    await busy.prefill('Busy');
    const stream = busy.generate({ maxTokens: 10_000, seed: 1 });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    await busy.dispose();
    await expect(collect({ [Symbol.asyncIterator]: () => iterator })).rejects.toThrow(/abort/i);
  });

  test('the tokenizer and info describe the model', async () => {
    expect(await engine.tokenizer.encode('hé')).toEqual([0x68, 0xc3, 0xa9]);
    expect(await engine.tokenizer.decode([0x68, 0xc3, 0xa9])).toBe('hé');
    expect(engine.info).toMatchObject({
      name: 'rwkv',
      generation: '6',
      nLayer: 2,
      nEmbed: 32,
      nVocab: 256,
      nHead: 2,
      headSize: 16,
      nFfn: 64,
      weightType: 'f32',
      tokenizer: 'bytes',
      backend: 'reference',
      warnings: [],
    });
  });
});
