/**
 * The top candidates of a row of logits: what a decode step hands back instead of the whole row when the sampler
 * needs no more (greedy, top-k with k ≤ MAX_CANDIDATES; src/sampling/sampler.ts decides). The WebGPU backend selects
 * them on the GPU (shaders/top-candidates.wgsl) and reads back a few hundred bytes instead of 4 bytes per token of
 * the vocabulary. Ranked as the full path ranks: logit descending, equal logits by id ascending.
 */

/** Most candidates a step selects per row. */
export const MAX_CANDIDATES = 64;

export interface TopCandidates {
  /** Tokens of the vocabulary in rank order. */
  ids: Uint32Array;
  /** Their logits, in the same order (so `logits[0]` is the row's largest). */
  logits: Float32Array;
  /** Σ exp(l − logits[0]) over the whole row: the softmax's denominator; 0 when every logit is −Infinity. */
  total: number;
  /** What makes the row unsamplable besides bans: it holds a NaN (reported first) or a +Infinity. */
  invalid?: number;
}

/** What a decode step returns for one state: its whole row of logits, or its top candidates. */
export type DecodeOutput = Float32Array | TopCandidates;

export function isTopCandidates(output: DecodeOutput): output is TopCandidates {
  return !(output instanceof Float32Array);
}
