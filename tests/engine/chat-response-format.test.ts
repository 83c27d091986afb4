/**
 * response_format in chat completions, on a synthetic byte-level model: json_object answers parse, json_schema
 * answers validate against their schema (ajv), streamed or not; malformed formats and schemas the grammar engine
 * cannot enforce are refused with GrammarError before any session exists.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ChatCompletionRequest, ChatResponseFormat } from '../../src/engine/chat-request.js';
import type { Engine } from '../../src/engine/engine.js';
import { GrammarError } from '../../src/errors.js';
import { schemaValidator } from '../grammar/helpers.js';
import { countingCompletions, cpuEngine, tinyModel } from './helpers.js';

const messages = [{ role: 'user' as const, content: 'Describe a cat as JSON.' }];
const CAT = {
  type: 'object',
  properties: {
    name: { type: 'string', maxLength: 10 },
    age: { type: 'integer' },
    colors: { type: 'array', items: { enum: ['black', 'white', 'orange'] }, maxItems: 3 },
    indoor: { type: 'boolean' },
  },
  required: ['name', 'age', 'colors'],
};

let engine: Engine;

beforeAll(async () => {
  engine = await cpuEngine(tinyModel('5.2'));
});
afterAll(() => engine.dispose());

describe('response_format', () => {
  test('json_schema: every answer validates, and the stream adds up to the same answer', async () => {
    const validate = schemaValidator();
    const response_format: ChatResponseFormat = { type: 'json_schema', json_schema: { name: 'cat', schema: CAT } };
    for (let seed = 0; seed < 6; seed++) {
      const request: ChatCompletionRequest & { stream?: false } = {
        messages,
        response_format,
        seed,
        temperature: 1.1,
        max_tokens: 300,
      };
      const completion = await engine.chat.completions.create(request);
      const { content } = completion.choices[0].message;
      expect(completion.choices[0].finish_reason).toBe('stop');
      expect(validate(CAT, JSON.parse(content!)), content!).toBeUndefined();
      let streamed = '';
      for await (const chunk of await engine.chat.completions.create({ ...request, stream: true })) {
        streamed += chunk.choices[0].delta.content ?? '';
      }
      expect(streamed).toBe(content);
    }
  });

  test('json_object: the answer is a JSON object', async () => {
    let complete = 0;
    for (let seed = 0; seed < 4; seed++) {
      const completion = await engine.chat.completions.create({
        messages,
        response_format: { type: 'json_object' },
        seed,
        max_tokens: 400,
      });
      const { content } = completion.choices[0].message;
      if (completion.choices[0].finish_reason === 'length') continue;
      const parsed: unknown = JSON.parse(content!);
      expect(typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed), content!).toBe(true);
      complete++;
    }
    expect(complete).toBeGreaterThan(0);
  });

  test('text is plain text', async () => {
    const plain = await engine.chat.completions.create({ messages, temperature: 0, max_tokens: 10 });
    const text = await engine.chat.completions.create({
      messages,
      temperature: 0,
      max_tokens: 10,
      response_format: { type: 'text' },
    });
    expect(text.choices[0].message.content).toBe(plain.choices[0].message.content);
  });

  test.each<[unknown, RegExp]>([
    [{ type: 'yaml' }, /response_format must be/],
    [{ type: 'json_schema' }, /json_schema.name/],
    [{ type: 'json_schema', json_schema: { name: 'x' } }, /json_schema.schema/],
    [{ type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object', not: {} } } }, /not/],
    [{ type: 'json_schema', json_schema: { name: 'x', schema: { $ref: '#/$defs/missing' } } }, /missing/],
  ])('refuses %j with GrammarError before any session', async (format, message) => {
    const counted = countingCompletions(engine);
    const create = counted.completions.create({ messages, response_format: format as ChatResponseFormat });
    await expect(create).rejects.toBeInstanceOf(GrammarError);
    await expect(create).rejects.toThrow(message);
    expect(counted.sessions).toBe(0);
  });
});
