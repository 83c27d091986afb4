/**
 * The `usage` of a chat completion, measured across the generations that made its answer: the prompt's tokens and
 * prefill time (measured around the prefill call), every sampled token (a tool call's name and arguments, and the
 * tokens the model wrote before it decided to call, included), the time from the request to the first token, and
 * the decode speed of the answer's last generation (as the engine core measured it).
 */
import type { GenerationStats } from '../protocol/types.js';

export interface ChatCompletionUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prefill_tokens_per_second: number;
  decode_tokens_per_second: number;
  time_to_first_token_ms: number;
}

export class UsageMeter {
  /** Tokens sampled so far, in every generation of the answer. */
  completionTokens = 0;
  private promptTokens = 0;
  private prefillMs = 0;
  private readonly startedAt = performance.now();
  private firstTokenAt: number | undefined;
  private decodeTokensPerSecond = 0;

  /** Waits for the prefill of the prompt's `tokens`, timing it. */
  async prefill(tokens: number, done: Promise<void>): Promise<void> {
    const startedAt = performance.now();
    await done;
    this.prefillMs += performance.now() - startedAt;
    this.promptTokens += tokens;
  }

  token(): void {
    this.firstTokenAt ??= performance.now();
    this.completionTokens++;
  }

  generationEnded(stats: GenerationStats): void {
    this.decodeTokensPerSecond = stats.decodeTokensPerSecond;
  }

  usage(): ChatCompletionUsage {
    return {
      prompt_tokens: this.promptTokens,
      completion_tokens: this.completionTokens,
      total_tokens: this.promptTokens + this.completionTokens,
      prefill_tokens_per_second: this.prefillMs > 0 ? (this.promptTokens * 1000) / this.prefillMs : 0,
      decode_tokens_per_second: this.decodeTokensPerSecond,
      time_to_first_token_ms: (this.firstTokenAt ?? performance.now()) - this.startedAt,
    };
  }
}
