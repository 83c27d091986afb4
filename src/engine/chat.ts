/**
 * `engine.chat.completions.create`: OpenAI-shaped chat completions over the RWKV chat format (chat-format.ts), with
 * response_format, tools and log-probabilities. The request is checked and planned first (chat-request.ts: nothing
 * runs when it is refused); the answer's events (chat-answer.ts) are then folded into one completion, or, with
 * `stream: true`, turned into chunks whose last one carries `finish_reason` and `usage`.
 */
import { throwIfAborted } from './abort.js';
import { chatAnswer } from './chat-answer.js';
import type { AnswerContext, AnswerEvent, ChatFinishReason } from './chat-answer.js';
import type { ChatLogprobs } from './chat-logprobs.js';
import { planChat } from './chat-request.js';
import type { ChatCompletionRequest } from './chat-request.js';
import type { ChatCompletionUsage } from './chat-usage.js';
import type { ToolCall } from './tool-format.js';

export interface ChatCompletionMessage {
  role: 'assistant';
  /** The text answer; null when the model called a tool. */
  content: string | null;
  /** Present when the model called a tool (one call per answer). */
  tool_calls?: ToolCall[];
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: [
    { index: 0; message: ChatCompletionMessage; finish_reason: ChatFinishReason; logprobs: ChatLogprobs | null },
  ];
  usage: ChatCompletionUsage;
}

/** A piece of a tool call: the first names it (id, type, name, empty arguments); the next add to `arguments`. */
export interface ToolCallDelta {
  index: 0;
  id?: string;
  type?: 'function';
  function: { name?: string; arguments: string };
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: [
    {
      index: 0;
      delta: { role?: 'assistant'; content?: string; tool_calls?: [ToolCallDelta] };
      finish_reason: ChatFinishReason | null;
      logprobs: ChatLogprobs | null;
    },
  ];
  /** On the last chunk only. */
  usage?: ChatCompletionUsage;
}

interface ChatContext extends AnswerContext {
  modelName: string;
}

interface Completion {
  id: string;
  created: number;
  model: string;
}

export class ChatCompletions {
  /** @internal */
  constructor(private readonly context: ChatContext) {}

  create(request: ChatCompletionRequest & { stream: true }): Promise<AsyncIterable<ChatCompletionChunk>>;
  create(request: ChatCompletionRequest & { stream?: false }): Promise<ChatCompletion>;
  create(request: ChatCompletionRequest): Promise<ChatCompletion | AsyncIterable<ChatCompletionChunk>>;
  async create(request: ChatCompletionRequest): Promise<ChatCompletion | AsyncIterable<ChatCompletionChunk>> {
    const plan = planChat(request);
    const completion: Completion = {
      id: `chatcmpl-${crypto.randomUUID()}`,
      created: Math.floor(Date.now() / 1000),
      model: this.context.modelName,
    };
    throwIfAborted(request.signal);
    const events = chatAnswer(this.context, plan);
    const withLogprobs = plan.sampling.logprobs === true;
    return request.stream ? chunks(events, completion, withLogprobs) : whole(events, completion, withLogprobs);
  }
}

async function whole(
  events: AsyncIterable<AnswerEvent>,
  completion: Completion,
  withLogprobs: boolean,
): Promise<ChatCompletion> {
  let content = '';
  const logprobs: ChatLogprobs = { content: [], refusal: null };
  let call: ToolCall | undefined;
  for await (const event of events) {
    switch (event.kind) {
      case 'content':
        content += event.text;
        logprobs.content!.push(...event.logprobs);
        break;
      case 'tool-call':
        call = { id: event.id, type: 'function', function: { name: event.name, arguments: '' } };
        break;
      case 'tool-arguments':
        call!.function.arguments += event.text;
        break;
      case 'end': {
        const message: ChatCompletionMessage =
          call === undefined
            ? { role: 'assistant', content }
            : { role: 'assistant', content: null, tool_calls: [call] };
        if (call !== undefined) logprobs.content = null;
        return {
          ...completion,
          object: 'chat.completion',
          choices: [{ index: 0, message, finish_reason: event.finishReason, logprobs: withLogprobs ? logprobs : null }],
          usage: event.usage,
        };
      }
    }
  }
  throw new Error('The answer ended without its end event.');
}

async function* chunks(
  events: AsyncIterable<AnswerEvent>,
  completion: Completion,
  withLogprobs: boolean,
): AsyncGenerator<ChatCompletionChunk> {
  const chunk = (
    delta: ChatCompletionChunk['choices'][0]['delta'],
    finish: ChatFinishReason | null = null,
    logprobs: ChatLogprobs | null = null,
  ): ChatCompletionChunk => ({
    ...completion,
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta, finish_reason: finish, logprobs }],
  });
  yield chunk({ role: 'assistant', content: '' });
  for await (const event of events) {
    switch (event.kind) {
      case 'content':
        yield chunk({ content: event.text }, null, withLogprobs ? { content: event.logprobs, refusal: null } : null);
        break;
      case 'tool-call':
        yield chunk({
          tool_calls: [{ index: 0, id: event.id, type: 'function', function: { name: event.name, arguments: '' } }],
        });
        break;
      case 'tool-arguments':
        yield chunk({ tool_calls: [{ index: 0, function: { arguments: event.text } }] });
        break;
      case 'end':
        yield { ...chunk({}, event.finishReason), usage: event.usage };
    }
  }
}
