/**
 * Perplexity of a model on a token sequence, with the CPU reference forward pass: from a fresh state, each token
 * t + 1 is scored by the logits after tokens 0..t,
 *   NLL = −(1/(N−1)) Σ_t log softmax(logits_t)[token_{t+1}],   perplexity = exp(NLL)
 * (log-softmax in f64 with the maximum subtracted). The tokens are fed in chunks of `chunkSize` (all logits of a
 * chunk at once), which gives the same logits as one token at a time.
 */
import { createState } from '../generations/state.js';
import type { ReferenceModel } from './model.js';

export interface Perplexity {
  /** Tokens scored: every token but the first. */
  scored: number;
  /** Mean negative log-likelihood per scored token, in nats. */
  meanNll: number;
  perplexity: number;
}

/** −log softmax(logits)[target], computed in f64. */
function negativeLogLikelihood(logits: Float32Array, target: number): number {
  let max = -Infinity;
  for (const logit of logits) max = Math.max(max, logit);
  let sum = 0;
  for (const logit of logits) sum += Math.exp(logit - max);
  return Math.log(sum) + max - logits[target];
}

export function perplexity(model: ReferenceModel, tokens: readonly number[], chunkSize = 128): Perplexity {
  if (tokens.length < 2) throw new RangeError('perplexity needs at least two tokens');
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError(`chunk size ${chunkSize} is not a count`);
  const vocab = model.spec.nVocab;
  const state = createState(model.spec);
  let total = 0;
  for (let start = 0; start < tokens.length - 1; start += chunkSize) {
    const chunk = tokens.slice(start, Math.min(start + chunkSize, tokens.length - 1));
    const logits = model.forward(chunk, state, { allLogits: true });
    chunk.forEach((_, t) => {
      total += negativeLogLikelihood(logits.subarray(t * vocab, (t + 1) * vocab), tokens[start + t + 1]);
    });
  }
  const scored = tokens.length - 1;
  return { scored, meanNll: total / scored, perplexity: Math.exp(total / scored) };
}
