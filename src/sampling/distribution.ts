/**
 * The distribution a token is drawn from, following ChatRWKV's sample_logits: p = softmax(logits) at temperature 1;
 * the kept tokens are those that pass every active filter, each judged on p —
 *   top-p: p ≥ the probability of the first token (in descending order) at which the running sum reaches topP;
 *   top-k: the topK most likely tokens (ties go to the lower id);
 *   min-p: p ≥ minP · max(p).
 * The most likely token always passes. The kept tokens then get weights p^(1/temperature), renormalized; so the
 * temperature reshapes the nucleus but never changes which tokens are in it. Ranks (top-k, top-p) order tokens by
 * logit, equal logits by id; `candidateDistribution` gives the same distribution from the row's top candidates
 * (src/sampling/top-candidates.ts) when top-k keeps no more than them.
 */
import type { TopCandidates } from './top-candidates.js';

export interface FilterSettings {
  /** > 0 (temperature 0 means argmax and never reaches this module). */
  temperature: number;
  /** In [0, 1]; 1 disables the filter. */
  topP: number;
  /** 0 disables the filter. */
  topK: number;
  /** In [0, 1]; 0 disables the filter. */
  minP: number;
}

/** Kept tokens in ascending id order, with their final probabilities (summing to 1). */
export interface Candidates {
  ids: Uint32Array;
  probabilities: Float64Array;
}

/** Index of the largest logit (the lowest index among equals). */
export function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}

export function samplingDistribution(logits: Float32Array, settings: FilterSettings): Candidates {
  const { topP, topK, minP } = settings;
  const vocab = logits.length;
  const maxLogit = logits[argmax(logits)];
  const weights = new Float64Array(vocab);
  let total = 0;
  for (let i = 0; i < vocab; i++) total += weights[i] = Math.exp(logits[i] - maxLogit);

  // Tokens below `floor` (a weight, the top token's being 1) cannot pass: min-p directly; top-p because all tokens
  // under (1 − topP)/V of the total together weigh less than 1 − topP, so the running sum reaches topP before them;
  // top-k through the k-th largest weight.
  let floor = Number.MIN_VALUE;
  if (minP > 0) floor = Math.max(floor, minP);
  if (topP < 1) floor = Math.max(floor, ((1 - topP) / vocab) * total);
  const topKActive = topK > 0 && topK < vocab;
  if (topKActive) floor = Math.max(floor, kthLargest(weights, topK));

  const kept: number[] = [];
  for (let i = 0; i < vocab; i++) if (weights[i] >= floor) kept.push(i);
  if (!topKActive && topP === 1) return temperedDistribution(kept, weights, settings.temperature);
  kept.sort((a, b) => logits[b] - logits[a] || a - b);
  return rankedDistribution(kept, (id) => weights[id], total, settings);
}

/**
 * The distribution of `samplingDistribution` over the whole row, from its top candidates alone — exact when the
 * filters keep no token beyond them: `topK` from 1 to the candidates' count (the candidates are the top-k tokens,
 * ranked as the full row ranks them). Top-p judges probabilities of the full softmax through `total`.
 */
export function candidateDistribution(candidates: TopCandidates, settings: FilterSettings): Candidates {
  const { ids, logits, total } = candidates;
  if (!(settings.topK >= 1 && settings.topK <= ids.length)) {
    throw new RangeError(`${ids.length} candidates decide top-k of 1 to ${ids.length}, not topK ${settings.topK}`);
  }
  const weights = new Map<number, number>();
  const ranked: number[] = [];
  for (let rank = 0; rank < ids.length; rank++) {
    const weight = Math.exp(logits[rank] - logits[0]);
    if (weight < Number.MIN_VALUE || (settings.minP > 0 && weight < settings.minP)) continue;
    weights.set(ids[rank], weight);
    ranked.push(ids[rank]);
  }
  return rankedDistribution(ranked, (id) => weights.get(id)!, total, settings);
}

/**
 * Top-k, then top-p, over tokens ranked by logit (descending, equal logits by id) that passed min-p; `total` is the
 * sum of the weights of the whole row.
 */
function rankedDistribution(
  ranked: number[],
  weightOf: (id: number) => number,
  total: number,
  { temperature, topP, topK }: FilterSettings,
): Candidates {
  let size = ranked.length;
  if (topK > 0 && size > topK) size = topK;
  if (topP < 1) size = nucleusSize(ranked, size, weightOf, total, topP);
  const kept = ranked.slice(0, size).sort((a, b) => a - b);
  return temperedDistribution(kept, weightOf, temperature);
}

/** The kept tokens (ascending ids) with weights^(1/temperature), renormalized. */
function temperedDistribution(
  kept: number[],
  weights: Float64Array | ((id: number) => number),
  temperature: number,
): Candidates {
  const weightOf = typeof weights === 'function' ? weights : (id: number) => weights[id];
  const ids = Uint32Array.from(kept);
  const probabilities = new Float64Array(ids.length);
  let keptTotal = 0;
  for (let rank = 0; rank < ids.length; rank++) {
    const weight = weightOf(ids[rank]);
    keptTotal += probabilities[rank] = temperature === 1 ? weight : weight ** (1 / temperature);
  }
  for (let rank = 0; rank < ids.length; rank++) probabilities[rank] /= keptTotal;
  return { ids, probabilities };
}

/**
 * How many of the first `size` ranked tokens top-p keeps: up to the first at which the running sum of probabilities
 * reaches topP, plus any that tie with it; all of them if the sum never gets there.
 */
function nucleusSize(
  ranked: number[],
  size: number,
  weightOf: (id: number) => number,
  total: number,
  topP: number,
): number {
  let runningSum = 0;
  for (let rank = 0; rank < size; rank++) {
    runningSum += weightOf(ranked[rank]) / total;
    if (runningSum >= topP) {
      const cutoff = weightOf(ranked[rank]);
      let end = rank + 1;
      while (end < size && weightOf(ranked[end]) >= cutoff) end++;
      return end;
    }
  }
  return size;
}

/** The k-th largest value (1-based), with a size-k min-heap: O(n log k). */
function kthLargest(values: Float64Array, k: number): number {
  const heap = new Float64Array(k);
  let size = 0;
  for (const value of values) {
    if (size < k) {
      let at = size++;
      heap[at] = value;
      while (at > 0 && heap[(at - 1) >> 1] > heap[at]) {
        const parent = (at - 1) >> 1;
        [heap[at], heap[parent]] = [heap[parent], heap[at]];
        at = parent;
      }
    } else if (value > heap[0]) {
      heap[0] = value;
      for (let at = 0; ;) {
        const left = 2 * at + 1;
        let smallest = at;
        if (left < k && heap[left] < heap[smallest]) smallest = left;
        if (left + 1 < k && heap[left + 1] < heap[smallest]) smallest = left + 1;
        if (smallest === at) break;
        [heap[at], heap[smallest]] = [heap[smallest], heap[at]];
        at = smallest;
      }
    }
  }
  return heap[0];
}
