/**
 * The distribution a token is drawn from, following ChatRWKV's sample_logits: p = softmax(logits) at temperature 1;
 * the kept tokens are those that pass every active filter, each judged on p —
 *   top-p: p ≥ the probability of the first token (in descending order) at which the running sum reaches topP;
 *   top-k: the topK most likely tokens (ties go to the lower id);
 *   min-p: p ≥ minP · max(p).
 * The most likely token always passes. The kept tokens then get weights p^(1/temperature), renormalized; so the
 * temperature reshapes the nucleus but never changes which tokens are in it.
 */

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
  const { temperature, topP, topK, minP } = settings;
  const vocab = logits.length;
  const maxLogit = logits[argmax(logits)];
  const weights = new Float64Array(vocab);
  let total = 0;
  for (let i = 0; i < vocab; i++) total += weights[i] = Math.exp(logits[i] - maxLogit);
  const probability = (id: number) => weights[id] / total;

  // Tokens below `floor` cannot pass: min-p directly; top-p because all tokens under (1 − topP)/V together weigh
  // less than 1 − topP, so the running sum reaches topP before them; top-k through the k-th largest weight.
  let floor = Number.MIN_VALUE;
  if (minP > 0) floor = Math.max(floor, minP / total);
  if (topP < 1) floor = Math.max(floor, (1 - topP) / vocab);
  const topKActive = topK > 0 && topK < vocab;
  if (topKActive) floor = Math.max(floor, kthLargest(weights, topK) / total);

  const kept: number[] = [];
  for (let i = 0; i < vocab; i++) if (probability(i) >= floor) kept.push(i);
  if (topKActive || topP < 1) {
    kept.sort((a, b) => weights[b] - weights[a] || a - b);
    if (topKActive && kept.length > topK) kept.length = topK;
    if (topP < 1) kept.length = nucleusSize(kept, weights, total, topP);
    kept.sort((a, b) => a - b);
  }

  const ids = Uint32Array.from(kept);
  const probabilities = new Float64Array(ids.length);
  let keptTotal = 0;
  for (let rank = 0; rank < ids.length; rank++) {
    keptTotal += probabilities[rank] = temperature === 1 ? weights[ids[rank]] : weights[ids[rank]] ** (1 / temperature);
  }
  for (let rank = 0; rank < ids.length; rank++) probabilities[rank] /= keptTotal;
  return { ids, probabilities };
}

/**
 * How many of the tokens (sorted by descending weight) top-p keeps: up to the first at which the running sum of
 * probabilities reaches topP, plus any that tie with it; all of them if the sum never gets there.
 */
function nucleusSize(sorted: number[], weights: Float64Array, total: number, topP: number): number {
  let runningSum = 0;
  for (let rank = 0; rank < sorted.length; rank++) {
    runningSum += weights[sorted[rank]] / total;
    if (runningSum >= topP) {
      const cutoff = weights[sorted[rank]];
      let size = rank + 1;
      while (size < sorted.length && weights[sorted[size]] >= cutoff) size++;
      return size;
    }
  }
  return sorted.length;
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
