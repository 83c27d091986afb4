/**
 * One generation of a chat answer, read as text pieces: each piece is non-empty text with the log-probabilities of
 * the tokens it completes (a token with no text of its own — a piece of a character, a possible stop string —
 * passes its log-probabilities on to the next piece; those left at the end come in a last piece with empty text).
 * The answer's leading whitespace is dropped (the model writes " answer" after "Assistant:"). Every sampled token is
 * counted into the usage meter; `finishReason` is set when the generation ran to its end.
 */
import { chatTokenLogprob } from './chat-logprobs.js';
import type { ChatTokenLogprob } from './chat-logprobs.js';
import type { UsageMeter } from './chat-usage.js';
import type { Session } from './session.js';
import type { FinishReason, GenerateOptions } from '../protocol/types.js';

export interface TextPiece {
  text: string;
  logprobs: ChatTokenLogprob[];
}

export class TextRun implements AsyncIterable<TextPiece> {
  finishReason: FinishReason | undefined;

  constructor(
    private readonly session: Session,
    private readonly options: GenerateOptions,
    private readonly meter: UsageMeter,
  ) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<TextPiece> {
    let started = false;
    let logprobs: ChatTokenLogprob[] = [];
    for await (const token of this.session.generate(this.options)) {
      this.meter.token();
      if (token.logprobs !== undefined) logprobs.push(chatTokenLogprob(token.logprobs));
      const text = started ? token.text : token.text.trimStart();
      if (text.length === 0) continue;
      started = true;
      yield { text, logprobs };
      logprobs = [];
    }
    if (logprobs.length > 0) yield { text: '', logprobs };
    const stats = this.session.lastStats!;
    this.meter.generationEnded(stats);
    this.finishReason = stats.finishReason;
  }
}
