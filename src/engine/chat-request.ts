/**
 * The request of `engine.chat.completions.create`, in OpenAI's names, and its translation into a ChatPlan: the
 * prompt (chat-format.ts), the session-level options of every generation of the answer, and what the answer may be
 * (text, a tool call, or either). Everything is checked here, before any token: bad shapes → TypeError, numbers out
 * of range → RangeError, a response_format or tool schema that cannot be enforced → GrammarError.
 */
import { GrammarError } from '../errors.js';
import { checkJsonSchema } from '../grammar/json-schema-check.js';
import { checkTopLogprobs } from '../sampling/logprobs.js';
import { CHAT_STOP, formatChatPrompt } from './chat-format.js';
import type { ConversationMessage } from './chat-format.js';
import { toolsByName } from './tool-format.js';
import type { ToolDefinition } from './tool-format.js';
import type { GenerateOptions, ResponseFormat } from '../protocol/types.js';

export type ChatResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      json_schema: { name: string; description?: string; schema: object; strict?: boolean | null };
    };

export type ToolChoice = 'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } };

export interface ChatCompletionRequest {
  messages: ConversationMessage[];
  stream?: boolean;
  /** Most tokens of the answer (all its generations together); default 256. */
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
  /** Extra stop strings of a text answer ("\n\nUser:" always stops). */
  stop?: string | string[];
  /** Constrains a text answer: any JSON object, or JSON valid against a schema. */
  response_format?: ChatResponseFormat;
  tools?: ToolDefinition[];
  /** Default 'auto' with tools, 'none' without. */
  tool_choice?: ToolChoice;
  /** Log-probabilities of the content's tokens (docs/api.md). */
  logprobs?: boolean;
  /** With logprobs: the most likely alternatives of each token, 0..20. */
  top_logprobs?: number;
  signal?: AbortSignal;
}

export interface ChatPlan {
  prompt: string;
  /** The options shared by every generation of the answer; `maxTokens` is the budget of them all. */
  sampling: GenerateOptions & { maxTokens: number };
  /** The stop strings and constraint of a text answer. */
  text: { stop: string[]; responseFormat?: ResponseFormat };
  /** The tools the model may call, by name (empty: the answer is text). */
  tools: Map<string, ToolDefinition>;
  /** 'auto': text or a call, the model decides; 'required': a call. */
  toolChoice: 'auto' | 'required';
}

const DEFAULT_CHAT_MAX_TOKENS = 256;

export function planChat(request: ChatCompletionRequest): ChatPlan {
  const { max_tokens: maxTokens = DEFAULT_CHAT_MAX_TOKENS, logprobs = false, top_logprobs: topLogprobs } = request;
  if (!Number.isSafeInteger(maxTokens) || maxTokens < 1) {
    throw new RangeError(`max_tokens must be an integer ≥ 1, not ${maxTokens}.`);
  }
  if (topLogprobs !== undefined) {
    checkTopLogprobs('top_logprobs', topLogprobs);
    if (!logprobs) throw new RangeError('top_logprobs needs logprobs: true.');
  }
  const stops = request.stop === undefined ? [] : typeof request.stop === 'string' ? [request.stop] : request.stop;
  const responseFormat = sessionResponseFormat(request.response_format);
  const { tools, toolChoice } = callableTools(request);
  if (tools.size > 0 && toolChoice === 'auto' && responseFormat !== undefined) {
    throw new TypeError(
      "response_format json_object / json_schema cannot be combined with tools under tool_choice 'auto': " +
        "use tool_choice 'none' for a constrained text answer, or 'required' for a call.",
    );
  }
  return {
    prompt: formatChatPrompt(request.messages, request.tool_choice === 'none' ? [] : (request.tools ?? [])),
    sampling: {
      maxTokens,
      temperature: request.temperature,
      topP: request.top_p,
      topK: request.top_k,
      minP: request.min_p,
      presencePenalty: request.presence_penalty,
      frequencyPenalty: request.frequency_penalty,
      penaltyDecay: request.penalty_decay,
      logitBias: request.logit_bias,
      seed: request.seed,
      logprobs,
      topLogprobs,
      signal: request.signal,
    },
    text: { stop: [CHAT_STOP, ...stops], responseFormat },
    tools,
    toolChoice,
  };
}

/** OpenAI's response_format as the session's responseFormat (undefined for text); GrammarError when malformed. */
function sessionResponseFormat(format: ChatResponseFormat | undefined): ResponseFormat | undefined {
  if (format === undefined || format?.type === 'text') return undefined;
  if (format?.type === 'json_object') return { type: 'json_object' };
  if (format?.type === 'json_schema') {
    const { json_schema: description } = format;
    if (typeof description?.name !== 'string' || description.name.length === 0) {
      throw new GrammarError('response_format json_schema needs json_schema.name (a non-empty string).');
    }
    if (typeof description.schema !== 'object' || description.schema === null) {
      throw new GrammarError(`response_format json_schema "${description.name}" needs json_schema.schema (an object).`);
    }
    checkJsonSchema(description.schema);
    return { type: 'json_schema', schema: description.schema };
  }
  throw new GrammarError(
    `response_format must be { type: 'text' | 'json_object' } or { type: 'json_schema', json_schema: { name, ` +
      `schema } }, not ${JSON.stringify(format)}.`,
  );
}

/** The tools the answer may call under tool_choice, their schemas checked. */
function callableTools(request: ChatCompletionRequest): Pick<ChatPlan, 'tools' | 'toolChoice'> {
  const all = toolsByName(request.tools ?? []);
  const choice = request.tool_choice ?? (all.size > 0 ? 'auto' : 'none');
  for (const [name, tool] of all) {
    try {
      if (tool.function.parameters !== undefined) checkJsonSchema(tool.function.parameters);
    } catch (error) {
      if (!(error instanceof GrammarError)) throw error;
      throw new GrammarError(`The parameters of tool "${name}": ${error.message}`, { cause: error });
    }
  }
  if (choice === 'none') return { tools: new Map(), toolChoice: 'auto' };
  if (choice === 'auto' || choice === 'required') {
    if (choice === 'required' && all.size === 0) throw new TypeError("tool_choice 'required' needs tools.");
    return { tools: all, toolChoice: choice };
  }
  const name = choice?.type === 'function' ? choice.function?.name : undefined;
  const tool = name === undefined ? undefined : all.get(name);
  if (tool === undefined) {
    throw new TypeError(
      `tool_choice must be 'auto', 'none', 'required' or { type: 'function', function: { name } } naming one of ` +
        `the tools, not ${JSON.stringify(choice)}.`,
    );
  }
  return { tools: new Map([[name!, tool]]), toolChoice: 'required' };
}
