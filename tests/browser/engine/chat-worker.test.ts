/**
 * Chat completions with tools, response_format and logprobs through the engine's Web Worker, on a seeded synthetic
 * byte-level model (always runs): the results equal those of the same engine in the page (`worker: false`) —
 * tool calls, their streamed pieces, log-probabilities and their bytes cross the worker boundary intact — and a
 * schema the core refuses arrives as a GrammarError.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ChatCompletionRequest } from '../../../src/engine/chat-request.js';
import { createEngine } from '../../../src/engine/engine.js';
import type { Engine } from '../../../src/engine/engine.js';
import { GrammarError } from '../../../src/errors.js';
import { collect, modelBytes, tinyModel } from '../../engine/helpers.js';
import { schemaValidator } from '../../grammar/helpers.js';

const WEATHER = {
  type: 'object',
  properties: { city: { type: 'string', maxLength: 10 }, days: { type: 'integer' } },
  required: ['city', 'days'],
};
const REQUEST: ChatCompletionRequest & { stream?: false } = {
  messages: [{ role: 'user', content: 'Weather?' }],
  tools: [
    { type: 'function', function: { name: 'forecast', parameters: WEATHER } },
    { type: 'function', function: { name: 'now' } },
  ],
  tool_choice: 'required',
  seed: 8,
  max_tokens: 120,
};

describe('chat completions through the worker', () => {
  let worker: Engine;
  let page: Engine;

  beforeAll(async () => {
    const model = modelBytes(tinyModel('7', 3));
    [worker, page] = await Promise.all([
      createEngine({ model, backend: 'cpu' }),
      createEngine({ model, backend: 'cpu', worker: false }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([worker.dispose(), page.dispose()]);
  });

  test('a tool call validates and equals the in-page one; its stream reassembles to it', async () => {
    const [inWorker, inPage] = await Promise.all([
      worker.chat.completions.create(REQUEST),
      page.chat.completions.create(REQUEST),
    ]);
    const [call] = inWorker.choices[0].message.tool_calls!;
    expect(inWorker.choices[0].finish_reason).toBe('tool_calls');
    expect(call.function.name).toBe(inPage.choices[0].message.tool_calls![0].function.name);
    expect(call.function.arguments).toBe(inPage.choices[0].message.tool_calls![0].function.arguments);
    const schema = call.function.name === 'forecast' ? WEATHER : { type: 'object', additionalProperties: false };
    expect(schemaValidator()(schema, JSON.parse(call.function.arguments)), call.function.arguments).toBeUndefined();
    let streamed = '';
    for await (const chunk of await worker.chat.completions.create({ ...REQUEST, stream: true })) {
      streamed += chunk.choices[0].delta.tool_calls?.[0].function.arguments ?? '';
    }
    expect(streamed).toBe(call.function.arguments);
  });

  test('logprobs of a schema-constrained answer equal the in-page ones', async () => {
    const request: ChatCompletionRequest & { stream?: false } = {
      messages: [{ role: 'user', content: 'JSON please' }],
      response_format: { type: 'json_schema', json_schema: { name: 'weather', schema: WEATHER } },
      logprobs: true,
      top_logprobs: 4,
      seed: 2,
      max_tokens: 80,
    };
    const [inWorker, inPage] = await Promise.all([
      worker.chat.completions.create(request),
      page.chat.completions.create(request),
    ]);
    expect(inWorker.choices[0].message).toEqual(inPage.choices[0].message);
    expect(inWorker.choices[0].logprobs).toEqual(inPage.choices[0].logprobs);
    const entries = inWorker.choices[0].logprobs!.content!;
    expect(entries.length).toBe(inWorker.usage.completion_tokens);
    expect(entries.every((entry) => entry.top_logprobs.length <= 4 && entry.logprob <= 0)).toBe(true);
  });

  test('a schema the core refuses arrives as a GrammarError, before any token', async () => {
    const session = await worker.createSession();
    await session.prefill('x');
    const generation = collect(
      session.generate({ responseFormat: { type: 'json_schema', schema: { type: 'object', not: {} } } }),
    );
    await expect(generation).rejects.toBeInstanceOf(GrammarError);
    await session.dispose();
  });
});
