/**
 * One generation of a session: sample a token from the current logits, stream it out with the text it completes,
 * feed it back through the scheduler's batched decode (asking only for the top candidates when the sampler needs no
 * more: greedy, top-k ≤ 64, no penalty, bias, grammar or logprobs), repeat — until `maxTokens`, a stop token, a stop string, a
 * complete grammar (constrained output: the sampler masks what the grammar disallows) or an abort. Every sampled token is pushed exactly once; its `text` is what became safe to show: UTF-8 pieces wait for
 * their character (stream decoder), text that may start a stop string waits for the next tokens (StopMatcher), and
 * neither a stop string nor a stop token is ever part of `text`.
 *
 * The session's state holds every sampled token: the last one is left "unfed" (SessionCursor.unfed) and is fed by
 * whatever the session does next, so that a generation never spends a decode step nobody asked for.
 */
import type { StateHandle } from '../backend/backend.js';
import type { FinishReason, GenerateRequest, TokenLogprobs } from '../protocol/types.js';
import { AbortError } from '../errors.js';
import { checkTopLogprobs, sampledLogprobs } from '../sampling/logprobs.js';
import { GrammarConstraint } from '../grammar/constraint.js';
import { Sampler } from '../sampling/sampler.js';
import { StopMatcher } from '../sampling/stop-matcher.js';
import { isTopCandidates, type DecodeOutput } from '../sampling/top-candidates.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import type { Scheduler } from './scheduler.js';
import type { TokenChannel } from './token-channel.js';

const DEFAULT_MAX_TOKENS = 256;

/** A session's position in its text, as a generation moves it. */
export interface SessionCursor {
  readonly handle: StateHandle;
  /**
   * Logits after the last token fed to the state — the whole row, or only its top candidates when the last step was
   * a decode whose sampler needed no more (the row then stays with the backend: `readLogits`); undefined before the
   * first token.
   */
  logits: DecodeOutput | undefined;
  /** Tokens sampled but not fed to the state yet. */
  unfed: number[];
  /** Every token the session has taken: prefilled, and sampled (fed or not). */
  readonly history: number[];
}

/** The prompt side of the statistics: tokens prefilled since the last generation and the time that took. */
export interface PromptMeasure {
  tokens: number;
  milliseconds: number;
}

/** A checked generation request, ready to run. */
export class GenerationPlan {
  readonly sampler: Sampler;
  readonly stopMatcher: StopMatcher;
  readonly stopTokens: ReadonlySet<number>;
  readonly maxTokens: number;
  /** How many alternatives each token's logprobs list; undefined without `logprobs`. */
  readonly topLogprobs: number | undefined;

  /**
   * Throws RangeError for any option out of range and GrammarError for a grammar or schema that cannot be compiled,
   * before anything runs.
   */
  static async create(request: GenerateRequest, nVocab: number, tokenizer: Tokenizer): Promise<GenerationPlan> {
    const checked = new GenerationPlan(request, nVocab);
    const constraint = await GrammarConstraint.fromRequest(request, tokenizer);
    return constraint === undefined ? checked : new GenerationPlan(request, nVocab, constraint);
  }

  private constructor(
    request: GenerateRequest,
    nVocab: number,
    readonly constraint?: GrammarConstraint,
  ) {
    const { maxTokens = DEFAULT_MAX_TOKENS, stop = [], stopTokens = [], logprobs = false, topLogprobs = 0 } = request;
    if (!Number.isSafeInteger(maxTokens) || maxTokens < 1) {
      throw new RangeError(`maxTokens must be an integer ≥ 1, not ${maxTokens}.`);
    }
    if (typeof logprobs !== 'boolean') throw new RangeError(`logprobs must be true or false, not ${String(logprobs)}.`);
    checkTopLogprobs('topLogprobs', topLogprobs);
    if (topLogprobs > 0 && !logprobs) throw new RangeError('topLogprobs needs logprobs: true.');
    this.topLogprobs = logprobs ? topLogprobs : undefined;
    for (const token of stopTokens) {
      if (!Number.isInteger(token) || token < 0 || token >= nVocab) {
        throw new RangeError(`Stop token ${token} is outside the vocabulary [0, ${nVocab}).`);
      }
    }
    this.maxTokens = maxTokens;
    this.stopTokens = new Set(stopTokens);
    this.stopMatcher = new StopMatcher(typeof stop === 'string' ? [stop] : stop);
    this.sampler = new Sampler(request, constraint);
  }
}

export interface GenerationContext {
  scheduler: Scheduler;
  tokenizer: Tokenizer;
  /** The logits to sample the first token from (the session's unfed tokens fed first). */
  currentLogits(): Promise<DecodeOutput>;
  /** The whole row of the session's current logits, when it holds only their top candidates. */
  wholeRow(): Promise<Float32Array>;
  channel: TokenChannel;
  signal: AbortSignal;
  prompt: PromptMeasure;
}

/** Runs the plan to its end, pushing tokens and then the statistics (or the error) into the channel. */
export async function runGeneration(
  cursor: SessionCursor,
  plan: GenerationPlan,
  context: GenerationContext,
): Promise<void> {
  const { scheduler, tokenizer, channel, signal } = context;
  const startedAt = performance.now();
  const decoder = tokenizer.createStreamDecoder();
  let generated = 0;
  let decoded = 0;
  let firstTokenAt = startedAt;
  let finishReason: FinishReason = 'length';
  const candidates = plan.topLogprobs === undefined ? plan.sampler.candidatesNeeded() : 0;
  try {
    let logits = await context.currentLogits();
    while (generated < plan.maxTokens) {
      throwIfAborted(signal);
      const sampled =
        isTopCandidates(logits) && candidates > 0 && logits.ids.length >= candidates
          ? { token: plan.sampler.sampleCandidates(logits) }
          : sampleToken(plan, isTopCandidates(logits) ? await context.wholeRow() : logits, tokenizer);
      const { token, logprobs } = sampled;
      if (plan.constraint !== undefined) await plan.constraint.accept(token);
      cursor.unfed.push(token);
      cursor.history.push(token);
      if (generated++ === 0) firstTokenAt = performance.now();
      if (plan.stopTokens.has(token)) {
        channel.push({ token, text: plan.stopMatcher.push(decoder.flush()).text + plan.stopMatcher.flush(), logprobs });
        finishReason = 'stop';
        break;
      }
      const complete = plan.constraint?.complete === true;
      const last = complete || generated === plan.maxTokens;
      const { text, stop } = plan.stopMatcher.push(decoder.push(token) + (last ? decoder.flush() : ''));
      if (stop !== undefined) {
        channel.push({ token, text, logprobs });
        finishReason = 'stop';
        break;
      }
      channel.push({ token, text: last ? text + plan.stopMatcher.flush() : text, logprobs });
      if (complete) finishReason = 'stop';
      if (last) break;
      await channel.whenRoom(signal);
      throwIfAborted(signal);
      logits = await scheduler.decode(cursor.handle, token, signal, candidates);
      cursor.logits = logits;
      cursor.unfed = [];
      decoded++;
    }
  } catch (error) {
    channel.fail(error);
    return;
  } finally {
    plan.constraint?.dispose();
  }
  const endedAt = performance.now();
  const { prompt } = context;
  channel.end({
    promptTokens: prompt.tokens,
    generatedTokens: generated,
    prefillTokensPerSecond: rate(prompt.tokens, prompt.milliseconds),
    decodeTokensPerSecond: rate(decoded, endedAt - firstTokenAt),
    timeToFirstTokenMs: prompt.milliseconds + (firstTokenAt - startedAt),
    finishReason,
  });
}

/** The next token, with its log-probabilities when the plan asks for them. */
function sampleToken(
  plan: GenerationPlan,
  logits: Float32Array,
  tokenizer: Tokenizer,
): { token: number; logprobs?: TokenLogprobs } {
  if (plan.topLogprobs === undefined) return { token: plan.sampler.sample(logits) };
  const { token, distribution } = plan.sampler.sampleWithDistribution(logits);
  const { logprob, top } = sampledLogprobs(distribution, token, plan.topLogprobs);
  const bytesOf = (id: number) => Array.from(tokenizer.decodeBytes([id]));
  return {
    token,
    logprobs: { logprob, bytes: bytesOf(token), top: top.map((entry) => ({ ...entry, bytes: bytesOf(entry.token) })) },
  };
}

function rate(count: number, milliseconds: number): number {
  return count > 0 && milliseconds > 0 ? (count * 1000) / milliseconds : 0;
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new AbortError();
}
