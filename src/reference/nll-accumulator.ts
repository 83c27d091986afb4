/**
 * Negative log-likelihood of a token sequence from the logits of every position, accumulated chunk by chunk so
 * that the whole [T × nVocab] matrix never has to exist at once:
 *   nll = (1 / (T − 1)) · Σ_{t=0}^{T−2} (logsumexp(logits_t) − logits_t[token_{t+1}]),   perplexity = exp(nll).
 * Used by engine.evaluate (the worker, any backend) and by perplexity.ts (the CPU reference).
 */

export interface NllResult {
  /** Tokens of the sequence (T); T − 1 of them are scored. */
  tokens: number;
  /** Mean negative log-likelihood per scored token, in nats. */
  nll: number;
  perplexity: number;
}

export class NllAccumulator {
  private sum = 0;

  constructor(
    private readonly tokens: Uint32Array,
    private readonly nVocab: number,
  ) {
    if (tokens.length < 2) {
      throw new RangeError(`evaluate needs a text of at least 2 tokens, not ${tokens.length}.`);
    }
  }

  /** Adds the rows of `logits` ([rows × nVocab]), the first being position `start`. */
  add(logits: Float32Array, start: number): void {
    const rows = logits.length / this.nVocab;
    for (let row = 0; row < rows && start + row + 1 < this.tokens.length; row++) {
      const scores = logits.subarray(row * this.nVocab, (row + 1) * this.nVocab);
      this.sum += logSumExp(scores) - scores[this.tokens[start + row + 1]];
    }
  }

  result(): NllResult {
    const nll = this.sum / (this.tokens.length - 1);
    return { tokens: this.tokens.length, nll, perplexity: Math.exp(nll) };
  }
}

function logSumExp(values: Float32Array): number {
  let max = -Infinity;
  for (const value of values) if (value > max) max = value;
  let total = 0;
  for (const value of values) total += Math.exp(value - max);
  return max + Math.log(total);
}
