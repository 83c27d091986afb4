/**
 * Chat completions: the RWKV chat prompt (hand-written expectations), OpenAI-shaped results and stream chunks
 * whose content is the oracle's greedy continuation of that prompt, cut at the stop string, and usage counts.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ChatCompletionChunk } from '../../src/engine/chat.js';
import { formatChatPrompt } from '../../src/engine/chat-format.js';
import type { Engine } from '../../src/engine/engine.js';
import { AbortError } from '../../src/errors.js';
import { BytesTokenizer } from '../../src/tokenizer/bytes.js';
import { bytesOf, cpuEngine, Oracle, tinyModel } from './helpers.js';

const model = tinyModel('5.1');
let engine: Engine;

const messages = [
  { role: 'system' as const, content: 'You are terse.' },
  { role: 'user' as const, content: 'Hi there' },
  { role: 'assistant' as const, content: 'Hello.' },
  { role: 'user' as const, content: '  Two\r\n\r\n\r\nlines  ' },
];
const PROMPT = 'System: You are terse.\n\nUser: Hi there\n\nAssistant: Hello.\n\nUser: Two\nlines\n\nAssistant:';

beforeAll(async () => {
  engine = await cpuEngine(model);
});
afterAll(() => engine.dispose());

/** The oracle's greedy answer to PROMPT: `count` tokens. */
function greedyTokens(count: number): number[] {
  const oracle = new Oracle(model);
  oracle.feed(bytesOf(PROMPT));
  return oracle.greedy(count);
}

function greedyAnswer(count: number): string {
  return new BytesTokenizer().decode(greedyTokens(count));
}

describe('chat completions', () => {
  test('the prompt is the RWKV chat format', () => {
    expect(formatChatPrompt(messages)).toBe(PROMPT);
    expect(() => formatChatPrompt([])).toThrow(TypeError);
    expect(() => formatChatPrompt([{ role: 'tool' as 'user', content: 'x' }])).toThrow(/messages\[0\]/);
  });

  test('a completion is OpenAI-shaped and holds the greedy answer, without its leading space', async () => {
    const answer = greedyAnswer(24);
    const completion = await engine.chat.completions.create({ messages, temperature: 0, max_tokens: 24 });
    expect(completion).toMatchObject({
      object: 'chat.completion',
      model: 'rwkv',
      choices: [{ index: 0, message: { role: 'assistant', content: answer.trimStart() }, finish_reason: 'length' }],
      usage: { prompt_tokens: PROMPT.length, completion_tokens: 24, total_tokens: PROMPT.length + 24 },
    });
    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(completion.created).toBeCloseTo(Date.now() / 1000, -1);
    expect(completion.usage.prefill_tokens_per_second).toBeGreaterThan(0);
    expect(completion.usage.decode_tokens_per_second).toBeGreaterThan(0);
  });

  test('streamed chunks add up to the same answer, usage on the last one; a stop string cuts it', async () => {
    const answer = greedyAnswer(30).trimStart();
    const stop = answer.slice(8, 11);
    const expected = answer.slice(0, answer.indexOf(stop));
    const request = { messages, temperature: 0, max_tokens: 30, stop };
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of await engine.chat.completions.create({ ...request, stream: true })) chunks.push(chunk);
    const [first, last] = [chunks[0], chunks.at(-1)!];
    expect(first.choices[0]).toMatchObject({ delta: { role: 'assistant', content: '' }, finish_reason: null });
    expect(last.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    expect(last.usage).toMatchObject({ prompt_tokens: PROMPT.length });
    const tokens = greedyTokens(30);
    const stopAt = tokens.findIndex((_, k) => new BytesTokenizer().decode(tokens.slice(0, k + 1)).includes(stop));
    expect(last.usage!.completion_tokens).toBe(stopAt + 1);
    for (const chunk of chunks) {
      expect(chunk).toMatchObject({ id: first.id, object: 'chat.completion.chunk', model: 'rwkv' });
    }
    for (const chunk of chunks.slice(0, -1)) {
      expect(chunk.usage).toBeUndefined();
      expect(chunk.choices[0].finish_reason).toBeNull();
    }
    expect(chunks.map((chunk) => chunk.choices[0].delta.content ?? '').join('')).toBe(expected);
    const whole = await engine.chat.completions.create(request);
    expect(whole.choices[0].message.content).toBe(expected);
  });

  test('logprobs: one entry per sampled token, the greedy token first among its alternatives; the stream adds up', async () => {
    const tokens = greedyTokens(24);
    const request = { messages, temperature: 0, max_tokens: 24, logprobs: true, top_logprobs: 2 };
    const completion = await engine.chat.completions.create(request);
    const entries = completion.choices[0].logprobs!.content!;
    expect(entries.map((entry) => entry.bytes)).toEqual(tokens.map((token) => [token]));
    for (const entry of entries) {
      expect(entry.token).toBe(new BytesTokenizer().decode(entry.bytes));
      expect(entry.top_logprobs).toHaveLength(2);
      expect(entry.top_logprobs[0]).toEqual({ token: entry.token, logprob: entry.logprob, bytes: entry.bytes });
      expect(entry.top_logprobs[1].logprob).toBeLessThanOrEqual(entry.logprob);
      expect(entry.logprob).toBeLessThan(0);
    }
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of await engine.chat.completions.create({ ...request, stream: true })) chunks.push(chunk);
    expect(chunks.flatMap((chunk) => chunk.choices[0].logprobs?.content ?? [])).toEqual(entries);
    const plain = await engine.chat.completions.create({ messages, temperature: 0, max_tokens: 4 });
    expect(plain.choices[0].logprobs).toBeNull();
  });

  test.each([
    [{ logprobs: true, top_logprobs: 21 }, /top_logprobs must be an integer in 0..20, not 21/],
    [{ top_logprobs: 2 }, /top_logprobs needs logprobs: true/],
  ])('refuses %j', async (options, message) => {
    await expect(engine.chat.completions.create({ messages, ...options })).rejects.toThrow(message);
  });

  test('aborting a streamed completion ends it with an AbortError', async () => {
    const controller = new AbortController();
    const stream = await engine.chat.completions.create({
      messages,
      max_tokens: 10_000,
      seed: 3,
      stream: true,
      signal: controller.signal,
    });
    let chunks = 0;
    const reading = (async () => {
      for await (const _ of stream) if (++chunks === 3) controller.abort();
    })();
    await expect(reading).rejects.toBeInstanceOf(AbortError);
    expect(chunks).toBe(3);
    await expect(engine.chat.completions.create({ messages, signal: AbortSignal.abort() })).rejects.toBeInstanceOf(
      AbortError,
    );
  });
});
