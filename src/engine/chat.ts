/**
 * `engine.chat.completions.create`: OpenAI-shaped chat completions over the RWKV chat format (chat-format.ts).
 * Each call runs in a session of its own (created when the work starts, disposed when it ends); the answer stops at
 * the next "\n\nUser:" or a caller's stop string, and loses its leading whitespace (the model writes " answer" after
 * "Assistant:"). With `stream: true` the result is an async iterable of chunks; the last one carries
 * `finish_reason` and `usage`.
 */
import { throwIfAborted, untilAborted } from './abort.js';
import { CHAT_STOP, formatChatPrompt } from './chat-format.js';
import type { ChatMessage } from './chat-format.js';
import type { Session } from './session.js';
import type { FinishReason, GenerateOptions, GenerationStats } from './types.js';

export interface ChatCompletionRequest {
  messages: ChatMessage[];
  stream?: boolean;
  /** Most tokens of the answer; default 256. */
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  min_p?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  penalty_decay?: number;
  logit_bias?: Record<number, number>;
  seed?: number;
  /** Extra stop strings ("\n\nUser:" always stops). */
  stop?: string | string[];
  signal?: AbortSignal;
}

export interface ChatCompletionUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prefill_tokens_per_second: number;
  decode_tokens_per_second: number;
  time_to_first_token_ms: number;
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: [{ index: 0; message: { role: 'assistant'; content: string }; finish_reason: FinishReason; logprobs: null }];
  usage: ChatCompletionUsage;
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: [
    {
      index: 0;
      delta: { role?: 'assistant'; content?: string };
      finish_reason: FinishReason | null;
      logprobs: null;
    },
  ];
  /** On the last chunk only. */
  usage?: ChatCompletionUsage;
}

interface ChatContext {
  createSession(): Promise<Session>;
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
    const prompt = formatChatPrompt(request.messages);
    const options = generateOptions(request);
    const completion: Completion = {
      id: `chatcmpl-${crypto.randomUUID()}`,
      created: Math.floor(Date.now() / 1000),
      model: this.context.modelName,
    };
    throwIfAborted(request.signal);
    if (request.stream) return this.chunks(prompt, options, completion);
    let content = '';
    let stats: GenerationStats | undefined;
    for await (const piece of this.answer(prompt, options, (done) => (stats = done))) content += piece;
    return {
      ...completion,
      object: 'chat.completion',
      choices: [
        { index: 0, message: { role: 'assistant', content }, finish_reason: stats!.finishReason, logprobs: null },
      ],
      usage: usage(stats!),
    };
  }

  private async *chunks(prompt: string, options: GenerateOptions, completion: Completion) {
    const chunk = (delta: ChatCompletionChunk['choices'][0]['delta'], finish: FinishReason | null) => ({
      ...completion,
      object: 'chat.completion.chunk' as const,
      choices: [{ index: 0 as const, delta, finish_reason: finish, logprobs: null }] as ChatCompletionChunk['choices'],
    });
    let stats: GenerationStats | undefined;
    yield chunk({ role: 'assistant', content: '' }, null);
    for await (const content of this.answer(prompt, options, (done) => (stats = done))) yield chunk({ content }, null);
    yield { ...chunk({}, stats!.finishReason), usage: usage(stats!) };
  }

  /** The answer's text pieces (never empty, leading whitespace dropped), in a session of its own. */
  private async *answer(prompt: string, options: GenerateOptions, onStats: (stats: GenerationStats) => void) {
    const session = await this.context.createSession();
    try {
      await untilAborted(session.prefill(prompt), options.signal);
      let started = false;
      for await (const { text } of session.generate(options)) {
        const piece: string = started ? text : text.trimStart();
        started ||= piece.length > 0;
        if (piece.length > 0) yield piece;
      }
      onStats(session.lastStats!);
    } finally {
      await session.dispose();
    }
  }
}

function generateOptions(request: ChatCompletionRequest): GenerateOptions {
  const stops = request.stop === undefined ? [] : typeof request.stop === 'string' ? [request.stop] : request.stop;
  return {
    maxTokens: request.max_tokens,
    temperature: request.temperature,
    topP: request.top_p,
    topK: request.top_k,
    minP: request.min_p,
    presencePenalty: request.presence_penalty,
    frequencyPenalty: request.frequency_penalty,
    penaltyDecay: request.penalty_decay,
    logitBias: request.logit_bias,
    seed: request.seed,
    stop: [CHAT_STOP, ...stops],
    signal: request.signal,
  };
}

function usage(stats: GenerationStats): ChatCompletionUsage {
  return {
    prompt_tokens: stats.promptTokens,
    completion_tokens: stats.generatedTokens,
    total_tokens: stats.promptTokens + stats.generatedTokens,
    prefill_tokens_per_second: stats.prefillTokensPerSecond,
    decode_tokens_per_second: stats.decodeTokensPerSecond,
    time_to_first_token_ms: stats.timeToFirstTokenMs,
  };
}
