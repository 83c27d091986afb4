/**
 * session.generate on the CPU backend in this thread, against the CPU oracle driven by hand: greedy decoding,
 * seeded sampling (the engine's tokens equal a Sampler fed the oracle's logits), concurrency, stop strings and
 * tokens, maxTokens, abort and statistics.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import type { GenerateOptions } from '../../src/protocol/types.js';
import { AbortError } from '../../src/errors.js';
import { Sampler } from '../../src/sampling/sampler.js';
import type { SamplerOptions } from '../../src/sampling/sampler.js';
import { BytesTokenizer } from '../../src/tokenizer/bytes.js';
import { bytesOf, collect, cpuEngine, Oracle, tinyModel } from './helpers.js';

const model = tinyModel('7');
const PROMPT = 'The quick brown fox';
let engine: Engine;

beforeAll(async () => {
  engine = await cpuEngine(model, { prefillChunkSize: 4 });
});
afterAll(() => engine.dispose());

async function run(prompt: string, options: GenerateOptions) {
  const session = await engine.createSession();
  await session.prefill(prompt);
  const tokens = await collect(session.generate(options));
  const stats = session.lastStats;
  await session.dispose();
  return { tokens, stats, ids: tokens.map((t) => t.token), text: tokens.map((t) => t.text).join('') };
}

/** What a Sampler with these options picks from the oracle's logits, step after step. */
function oracleSample(prompt: string, count: number, options: SamplerOptions): number[] {
  const oracle = new Oracle(model);
  const sampler = new Sampler(options);
  let logits = oracle.feed(bytesOf(prompt));
  const tokens: number[] = [];
  for (let i = 0; i < count; i++) {
    tokens.push(sampler.sample(logits));
    logits = oracle.feed([tokens[i]]);
  }
  return tokens;
}

describe('generate', () => {
  test('temperature 0 is the oracle argmax, token after token', async () => {
    const oracle = new Oracle(model);
    oracle.feed(bytesOf(PROMPT));
    const expected = oracle.greedy(40);
    const { ids, stats } = await run(PROMPT, { temperature: 0, maxTokens: 40 });
    expect(ids).toEqual(expected);
    expect(stats?.finishReason).toBe('length');
    expect(stats?.generatedTokens).toBe(40);
    expect(stats?.promptTokens).toBe(PROMPT.length);
  });

  test('a seed reproduces, and equals a Sampler with that seed fed the oracle logits', async () => {
    const options = { temperature: 0.9, topP: 0.9, topK: 50, presencePenalty: 0.3, frequencyPenalty: 0.2, seed: 42 };
    const first = await run(PROMPT, { ...options, maxTokens: 30 });
    const second = await run(PROMPT, { ...options, maxTokens: 30 });
    const other = await run(PROMPT, { ...options, seed: 43, maxTokens: 30 });
    expect(second.ids).toEqual(first.ids);
    expect(first.ids).toEqual(oracleSample(PROMPT, 30, options));
    expect(other.ids).not.toEqual(first.ids);
  });

  test('concurrent sessions produce exactly the tokens of solo runs', async () => {
    const jobs = [
      { prompt: 'Once upon a time', options: { seed: 1, maxTokens: 25 } },
      { prompt: 'A much longer prompt that needs several prefill chunks of four tokens', options: { seed: 2 } },
      { prompt: 'x', options: { temperature: 0, maxTokens: 18 } },
      { prompt: 'Hello', options: { seed: 3, topK: 5, maxTokens: 31 } },
    ].map((job) => ({ ...job, options: { maxTokens: 20, ...job.options } }));
    const solo = [];
    for (const job of jobs) solo.push((await run(job.prompt, job.options)).ids);
    const together = await Promise.all(jobs.map((job) => run(job.prompt, job.options)));
    expect(together.map((result) => result.ids)).toEqual(solo);
  });

  test('the streamed text never breaks a UTF-8 character: every prefix of it is a prefix of the whole', async () => {
    // Only the two bytes of "é" (C3 A9) may be sampled: characters are split across tokens, some are invalid.
    const allowed = new Set([0xc3, 0xa9]);
    const logitBias: Record<number, number> = {};
    for (let id = 0; id < 256; id++) if (!allowed.has(id)) logitBias[id] = -Infinity;
    const { tokens, text } = await run(PROMPT, { seed: 9, maxTokens: 80, logitBias });
    expect(text).toBe(new BytesTokenizer().decode(tokens.map((t) => t.token)));
    expect(text).toContain('é');
    let prefix = '';
    for (const { text: piece } of tokens) {
      prefix += piece;
      expect(text.startsWith(prefix)).toBe(true);
    }
  });

  test('a stop string spanning tokens ends the generation and is never emitted', async () => {
    const oracle = new Oracle(model);
    oracle.feed(bytesOf(PROMPT));
    const greedy = oracle.greedy(40);
    const greedyText = new BytesTokenizer().decode(greedy);
    const stop = greedyText.slice(10, 13);
    const cut = greedyText.indexOf(stop);
    const { ids, text, stats } = await run(PROMPT, { temperature: 0, maxTokens: 40, stop: ['never-there', stop] });
    expect(text).toBe(greedyText.slice(0, cut));
    expect(ids).toEqual(greedy.slice(0, cut + stop.length));
    expect(stats?.finishReason).toBe('stop');
  });

  test('a stop token ends the generation: yielded once, with no text of its own', async () => {
    const oracle = new Oracle(model);
    oracle.feed(bytesOf(PROMPT));
    const greedy = oracle.greedy(30);
    const stopToken = greedy[12];
    const first = greedy.indexOf(stopToken);
    const { tokens, stats } = await run(PROMPT, { temperature: 0, maxTokens: 30, stopTokens: [stopToken] });
    expect(tokens.map((t) => t.token)).toEqual(greedy.slice(0, first + 1));
    expect(tokens.at(-1)?.text).toBe('');
    expect(stats).toMatchObject({ finishReason: 'stop', generatedTokens: first + 1 });
  });

  test('the state keeps every generated token: generating on continues the same text', async () => {
    const oracle = new Oracle(model);
    oracle.feed(bytesOf(PROMPT));
    const expected = oracle.greedy(24);
    const session = await engine.createSession();
    await session.prefill(PROMPT);
    const first = await collect(session.generate({ temperature: 0, maxTokens: 10 }));
    const second = await collect(session.generate({ temperature: 0, maxTokens: 14 }));
    expect([...first, ...second].map((t) => t.token)).toEqual(expected);
    expect(session.lastStats?.promptTokens).toBe(0);
    await session.dispose();
  });

  test('aborting stops within one token and ends with an AbortError', async () => {
    const oracle = new Oracle(model);
    oracle.feed(bytesOf(PROMPT));
    const greedy = oracle.greedy(12);
    const session = await engine.createSession();
    await session.prefill(PROMPT);
    const controller = new AbortController();
    const seen: number[] = [];
    const iteration = (async () => {
      for await (const { token } of session.generate({ temperature: 0, maxTokens: 1000, signal: controller.signal })) {
        seen.push(token);
        if (seen.length === 5) controller.abort();
      }
    })();
    await expect(iteration).rejects.toBeInstanceOf(AbortError);
    expect(seen).toEqual(greedy.slice(0, 5));
    expect(session.lastStats).toBeUndefined();
    // The state went at most one token further than what was seen.
    const logits = await session.logits();
    const after = (count: number) => {
      const replay = new Oracle(model);
      return replay.feed([...bytesOf(PROMPT), ...greedy.slice(0, count)]);
    };
    const matches = [5, 6].filter((count) => after(count).every((value, i) => Math.abs(value - logits[i]) < 1e-4));
    expect(matches).toHaveLength(1);
    await session.dispose();
  });

  test('an already aborted signal rejects at once; breaking out of the loop frees the session for more work', async () => {
    const session = await engine.createSession();
    await session.prefill(PROMPT);
    await expect(collect(session.generate({ signal: AbortSignal.abort() }))).rejects.toBeInstanceOf(AbortError);
    for await (const _ of session.generate({ maxTokens: 100, seed: 1 })) break;
    const more = await collect(session.generate({ maxTokens: 3, seed: 1 }));
    expect(more).toHaveLength(3);
    await session.dispose();
  });

  test('statistics are filled in', async () => {
    const { stats } = await run(PROMPT, { seed: 5, maxTokens: 16 });
    expect(stats).toMatchObject({ promptTokens: PROMPT.length, generatedTokens: 16, finishReason: 'length' });
    expect(stats!.prefillTokensPerSecond).toBeGreaterThan(0);
    expect(stats!.decodeTokensPerSecond).toBeGreaterThan(0);
    expect(stats!.timeToFirstTokenMs).toBeGreaterThan(0);
  });

  test('bad options are rejected with RangeError before anything runs', async () => {
    const session = await engine.createSession();
    await session.prefill(PROMPT);
    await expect(collect(session.generate({ maxTokens: 0 }))).rejects.toThrow(RangeError);
    await expect(collect(session.generate({ temperature: -1 }))).rejects.toThrow(/temperature/);
    await expect(collect(session.generate({ stopTokens: [256] }))).rejects.toThrow(/outside the vocabulary/);
    await expect(collect(session.generate({ stop: '' }))).rejects.toThrow(RangeError);
    const fresh = await engine.createSession();
    await expect(collect(fresh.generate())).rejects.toThrow(/prefill/);
    await Promise.all([session.dispose(), fresh.dispose()]);
  });
});
