/**
 * Log-probabilities of a sampled token, read off the distribution it was drawn from (Sampler.sampleWithDistribution):
 * ln p of the chosen token and of the `top` most likely tokens of that distribution (descending p, ties to the lower
 * id). Tokens the filters removed have p = 0 and are never listed, so fewer than `top` come back when fewer were kept.
 */
import type { Candidates } from './distribution.js';

/** The most alternatives a caller may ask for (OpenAI's limit). */
export const MAX_TOP_LOGPROBS = 20;

export interface TokenLogprob {
  token: number;
  /** Natural logarithm of the token's probability. */
  logprob: number;
}

export interface SampledLogprobs {
  /** ln p of the sampled token. */
  logprob: number;
  /** The `top` most likely tokens, most likely first. */
  top: TokenLogprob[];
}

/** Throws RangeError unless `top` is an integer in 0 .. MAX_TOP_LOGPROBS. */
export function checkTopLogprobs(name: string, top: unknown): void {
  if (!Number.isInteger(top) || (top as number) < 0 || (top as number) > MAX_TOP_LOGPROBS) {
    throw new RangeError(`${name} must be an integer in 0..${MAX_TOP_LOGPROBS}, not ${String(top)}.`);
  }
}

export function sampledLogprobs(distribution: Candidates, token: number, top: number): SampledLogprobs {
  const { ids, probabilities } = distribution;
  const rank = indexOf(ids, token);
  if (rank < 0) throw new RangeError(`Token ${token} is not in the distribution it was sampled from.`);
  return { logprob: Math.log(probabilities[rank]), top: mostLikely(distribution, top) };
}

/** Binary search in the ascending ids; −1 when absent. */
function indexOf(ids: Uint32Array, token: number): number {
  let low = 0;
  let high = ids.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (ids[middle] === token) return middle;
    if (ids[middle] < token) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}

/** The `count` most likely candidates by insertion into a short sorted list: O(n·count) at worst, O(n) typically. */
function mostLikely({ ids, probabilities }: Candidates, count: number): TokenLogprob[] {
  const best: number[] = [];
  for (let rank = 0; rank < ids.length && count > 0; rank++) {
    const p = probabilities[rank];
    if (best.length === count && p <= probabilities[best[count - 1]]) continue;
    let at = best.length === count ? count - 1 : best.length;
    while (at > 0 && probabilities[best[at - 1]] < p) {
      best[at] = best[at - 1];
      at--;
    }
    best[at] = rank;
  }
  return best.map((rank) => ({ token: ids[rank], logprob: Math.log(probabilities[rank]) }));
}
