/**
 * Log-probabilities in OpenAI's chat shape: `{ token, logprob, bytes, top_logprobs }` per token, where `token` is
 * the token's bytes read as UTF-8 (a piece of a character reads as U+FFFD; `bytes` are exact).
 */
import type { TokenAlternative, TokenLogprobs } from '../protocol/types.js';

export interface ChatTopLogprob {
  token: string;
  logprob: number;
  bytes: number[];
}

export interface ChatTokenLogprob extends ChatTopLogprob {
  top_logprobs: ChatTopLogprob[];
}

/** `choices[0].logprobs` when log-probabilities were asked for. */
export interface ChatLogprobs {
  /** The content's tokens; null when the answer is a tool call. */
  content: ChatTokenLogprob[] | null;
  refusal: null;
}

const utf8 = new TextDecoder();

export function chatTokenLogprob(logprobs: TokenLogprobs): ChatTokenLogprob {
  return { ...entry(logprobs), top_logprobs: logprobs.top.map(entry) };
}

function entry({ bytes, logprob }: Pick<TokenAlternative, 'bytes' | 'logprob'>): ChatTopLogprob {
  return { token: utf8.decode(Uint8Array.from(bytes)), logprob, bytes };
}
