/**
 * Tools in chat completions, on a synthetic byte-level model (CPU, in this thread): the prompt format (hand-written
 * expectation), calls whose name is one of the tools and whose arguments parse and validate (ajv) against that
 * tool's schema under every tool_choice, streamed tool_calls that reassemble to the non-streamed call, 'auto'
 * deciding between text and a call, tool results in the conversation, refusals before any token; and calls with
 * the World vocabulary (fixtures) on a 65,536-token synthetic model.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ChatCompletions } from '../../src/engine/chat.js';
import type { ChatCompletion, ChatCompletionChunk } from '../../src/engine/chat.js';
import { formatChatPrompt } from '../../src/engine/chat-format.js';
import type { ConversationMessage } from '../../src/engine/chat-format.js';
import type { ChatCompletionRequest } from '../../src/engine/chat-request.js';
import type { Engine } from '../../src/engine/engine.js';
import type { Session } from '../../src/engine/session.js';
import type { ToolDefinition } from '../../src/engine/tool-format.js';
import type { GenerateOptions, GenerationStats } from '../../src/protocol/types.js';
import { GrammarError } from '../../src/errors.js';
import { schemaValidator } from '../grammar/helpers.js';
import { describeWithFixtures, readFixture } from '../fixtures.js';
import { collect, countingCompletions, cpuEngine, tinyModel } from './helpers.js';

const TOOLS: ToolDefinition[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Current weather in a city',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string', maxLength: 12 }, unit: { enum: ['celsius', 'fahrenheit'] } },
        required: ['city', 'unit'],
      },
    },
  },
  {
    type: 'function',
    function: {
      name: 'add',
      parameters: {
        type: 'object',
        properties: { a: { type: 'integer' }, b: { type: 'integer' } },
        required: ['a', 'b'],
      },
    },
  },
  {
    type: 'function',
    function: {
      name: 'tag_items',
      parameters: {
        type: 'object',
        properties: {
          items: { type: 'array', items: { type: 'string', maxLength: 5 }, minItems: 1, maxItems: 3 },
          urgent: { type: 'boolean' },
        },
        required: ['items'],
      },
    },
  },
  { type: 'function', function: { name: 'now', description: 'The time' } },
];

const messages: ConversationMessage[] = [
  { role: 'system', content: 'You help.' },
  { role: 'user', content: 'Weather in Paris?' },
];

/** A call and its result after `messages`. */
const CONVERSATION: ConversationMessage[] = [
  ...messages,
  {
    role: 'assistant',
    content: null,
    tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Paris"}' } }],
  },
  { role: 'tool', tool_call_id: 'call_1', content: '{"temperature":21}' },
];

const validate = schemaValidator();
let engine: Engine;

beforeAll(async () => {
  engine = await cpuEngine(tinyModel('7'));
});
afterAll(() => engine.dispose());

/** The one call of a completion, checked: a known tool, arguments that parse and validate against its schema. */
function checkedCall(completion: ChatCompletion) {
  const { message, finish_reason: finishReason } = completion.choices[0];
  expect(finishReason).toBe('tool_calls');
  expect(message.content).toBeNull();
  expect(message.tool_calls).toHaveLength(1);
  const [call] = message.tool_calls!;
  expect(call.id).toMatch(/^call_/);
  expect(call.type).toBe('function');
  const tool = TOOLS.find((each) => each.function.name === call.function.name);
  expect(tool, call.function.name).toBeDefined();
  const schema = tool!.function.parameters ?? { type: 'object', additionalProperties: false };
  expect(validate(schema, JSON.parse(call.function.arguments)), call.function.arguments).toBeUndefined();
  return call;
}

async function streamed(request: ChatCompletionRequest & { stream?: false }): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of await engine.chat.completions.create({ ...request, stream: true })) chunks.push(chunk);
  return chunks;
}

describe('tools in chat completions', () => {
  test('the prompt lists the tools after the system message; calls and results are turns of their own', () => {
    const tools = [TOOLS[1], TOOLS[3]];
    expect(formatChatPrompt(CONVERSATION, tools)).toBe(
      'System: You help.\n\n' +
        'Tools: To call a tool, answer with one line: Call: {"name": <tool name>, "arguments": <its arguments>}\n' +
        '{"name":"add","parameters":{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"integer"}},' +
        '"required":["a","b"]}}\n' +
        '{"name":"now","description":"The time","parameters":{"type":"object","properties":{},' +
        '"additionalProperties":false}}\n\n' +
        'User: Weather in Paris?\n\n' +
        'Assistant: Call: {"name": "get_weather", "arguments": {"city":"Paris"}}\n\n' +
        'Tool: {"temperature":21}\n\n' +
        'Assistant:',
    );
    expect(() =>
      formatChatPrompt([{ role: 'assistant', content: null, tool_calls: [{ function: { name: 'x' } }] } as never]),
    ).toThrow(/messages\[0\]\.tool_calls\[0\]/);
    expect(() =>
      formatChatPrompt([
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c', type: 'function', function: { name: 'x', arguments: '{oops' } }],
        },
      ]),
    ).toThrow(/not JSON/);
    expect(() => formatChatPrompt([{ role: 'tool', content: 'x' } as never])).toThrow(/tool_call_id/);
  });

  test("tool_choice 'required': every call names a tool and its arguments validate against its schema", async () => {
    const names = new Set<string>();
    for (let seed = 0; seed < 12; seed++) {
      const completion = await engine.chat.completions.create({
        messages,
        tools: TOOLS,
        tool_choice: 'required',
        temperature: 1.2,
        seed,
        max_tokens: 200,
      });
      names.add(checkedCall(completion).function.name);
    }
    expect(names.size, [...names].join()).toBeGreaterThan(1);
  });

  test('a named tool is the one called, with valid arguments', async () => {
    for (const tool of TOOLS) {
      const { name } = tool.function;
      const completion = await engine.chat.completions.create({
        messages,
        tools: TOOLS,
        tool_choice: { type: 'function', function: { name } },
        seed: 5,
        max_tokens: 200,
      });
      expect(checkedCall(completion).function.name).toBe(name);
    }
  });

  test('streamed tool_calls reassemble to the non-streamed call', async () => {
    for (const seed of [1, 2, 3]) {
      const request = { messages, tools: TOOLS, tool_choice: 'required' as const, seed, max_tokens: 200 };
      const call = checkedCall(await engine.chat.completions.create(request));
      const chunks = await streamed(request);
      const deltas = chunks.flatMap((chunk) => chunk.choices[0].delta.tool_calls ?? []);
      const [first, ...rest] = deltas;
      expect(first).toEqual({
        index: 0,
        id: expect.stringMatching(/^call_/),
        type: 'function',
        function: { name: call.function.name, arguments: '' },
      });
      expect(rest.length).toBeGreaterThan(0);
      for (const delta of rest) expect(Object.keys(delta).sort()).toEqual(['function', 'index']);
      expect(rest.map((delta) => delta.function.arguments).join('')).toBe(call.function.arguments);
      expect(chunks.at(-1)!.choices[0].finish_reason).toBe('tool_calls');
      expect(chunks.at(-1)!.usage!.completion_tokens).toBeGreaterThan(0);
      expect(chunks.every((chunk) => chunk.choices[0].delta.content === undefined || chunk === chunks[0])).toBe(true);
    }
  });

  test("tool_choice 'auto' answers in text when the model does not start with Call:", async () => {
    const completion = await engine.chat.completions.create({ messages, tools: TOOLS, temperature: 0, max_tokens: 20 });
    const { message, finish_reason: finishReason } = completion.choices[0];
    expect(message.tool_calls).toBeUndefined();
    expect(message.content!.startsWith('Call:')).toBe(false);
    expect(finishReason).not.toBe('tool_calls');
    const none = await engine.chat.completions.create({ messages, tools: TOOLS, tool_choice: 'none', max_tokens: 8 });
    expect(none.choices[0].message.tool_calls).toBeUndefined();
  });

  test.each([
    [' Call: {"na', 'call'],
    [' Calendar days', 'text'],
    [' Ca', 'text'],
  ])("tool_choice 'auto' with a free answer starting %j: %s", async (script, outcome) => {
    const completions = new ChatCompletions({ ...scriptedContext(script), modelName: 'scripted' });
    const completion = await completions.create({ messages, tools: TOOLS, seed: 4, max_tokens: 200 });
    if (outcome === 'call') {
      checkedCall(completion);
    } else {
      expect(completion.choices[0].message).toEqual({ role: 'assistant', content: script.trimStart() });
      expect(completion.choices[0].finish_reason).toBe('length');
    }
    expect(completion.usage.completion_tokens).toBeGreaterThanOrEqual(script.length);
  });

  test('a conversation with a tool result continues from exactly its prompt (no tools listed under none)', async () => {
    const request = { messages: CONVERSATION, max_tokens: 6, seed: 2, temperature: 0.9 };
    const completion = await engine.chat.completions.create({ ...request, tools: TOOLS, tool_choice: 'none' });
    const prompt = formatChatPrompt(CONVERSATION);
    expect(completion.usage.prompt_tokens).toBe(new TextEncoder().encode(prompt).length);
    expect(completion.usage.completion_tokens).toBe(6);
    const session = await engine.createSession();
    await session.prefill(prompt);
    const tokens = await collect(session.generate({ maxTokens: 6, seed: 2, temperature: 0.9 }));
    await session.dispose();
    expect(completion.choices[0].message.content).toBe(
      tokens
        .map((token) => token.text)
        .join('')
        .trimStart(),
    );
  });

  test('a max_tokens too small for the call ends with finish_reason length', async () => {
    const completion = await engine.chat.completions.create({
      messages,
      tools: TOOLS,
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      max_tokens: 3,
    });
    const { message, finish_reason: finishReason } = completion.choices[0];
    expect(finishReason).toBe('length');
    expect(message.tool_calls![0].function.arguments).toHaveLength(3);
    expect(completion.usage.completion_tokens).toBe(3);
  });

  test.each<[Partial<ChatCompletionRequest>, (new (...args: never[]) => Error) | RegExp]>([
    [{ tools: [{ type: 'function', function: { name: 'f', parameters: { not: {} } } }] }, GrammarError],
    [{ tools: [{ type: 'function', function: { name: 'bad name' } }] }, TypeError],
    [{ tools: [TOOLS[1], TOOLS[1]] }, /a second tool named "add"/],
    [{ tools: TOOLS, tool_choice: { type: 'function', function: { name: 'missing' } } }, TypeError],
    [{ tool_choice: 'required' }, /needs tools/],
    [{ tools: TOOLS, response_format: { type: 'json_object' } }, /tool_choice 'none'/],
  ])('refuses %j before any session or token', async (request, expected) => {
    const counted = countingCompletions(engine);
    const create = counted.completions.create({ messages, ...request } as ChatCompletionRequest);
    if (expected instanceof RegExp) await expect(create).rejects.toThrow(expected);
    else await expect(create).rejects.toBeInstanceOf(expected);
    expect(counted.sessions).toBe(0);
  });
});

describeWithFixtures('tools with the World vocabulary (65,536 tokens of raw bytes)', () => {
  let world: Engine;

  beforeAll(async () => {
    const vocab = readFixture('tokenizers', 'rwkv_vocab_v20230424.txt');
    world = await cpuEngine(tinyModel('7', 11, 65536), { vocab });
  });
  afterAll(() => world.dispose());

  test('calls validate under required and named choices; the stream reassembles to the call', async () => {
    for (const seed of [0, 1]) {
      const tool_choice =
        seed % 2 === 0 ? ('required' as const) : { type: 'function' as const, function: TOOLS[2].function };
      const request = { messages, tools: TOOLS, tool_choice, seed, temperature: 1.1, max_tokens: 120 };
      const call = checkedCall(await world.chat.completions.create(request));
      if (seed % 2 === 1) expect(call.function.name).toBe(TOOLS[2].function.name);
      let streamed = '';
      for await (const chunk of await world.chat.completions.create({ ...request, stream: true })) {
        streamed += chunk.choices[0].delta.tool_calls?.[0].function.arguments ?? '';
      }
      expect(streamed).toBe(call.function.arguments);
    }
  });
});

/**
 * Sessions of the engine whose free (unconstrained) generation writes `script` byte by byte instead of asking the
 * model; constrained generations, prefill and fork are the real ones.
 */
function scriptedContext(script: string) {
  return {
    encode: (text: string) => engine.tokenizer.encode(text),
    async createSession(): Promise<Session> {
      const real = await engine.createSession();
      const scripted = Object.create(real) as Session;
      scripted.dispose = () => real.dispose();
      scripted.generate = (options: GenerateOptions = {}) => {
        if (options.responseFormat !== undefined) return real.generate(options);
        return (async function* () {
          for (const byte of new TextEncoder().encode(script)) yield { token: byte, text: String.fromCharCode(byte) };
          scripted.lastStats = { ...STATS, generatedTokens: script.length };
        })();
      };
      return scripted;
    },
  };
}

const STATS: GenerationStats = {
  promptTokens: 0,
  generatedTokens: 0,
  prefillTokensPerSecond: 0,
  decodeTokensPerSecond: 0,
  timeToFirstTokenMs: 0,
  finishReason: 'length',
};
