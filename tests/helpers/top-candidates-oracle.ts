/**
 * The top candidates of a row of logits computed on the CPU, as the sampler's full path sees the row: ranked by
 * logit descending, equal logits by id ascending, `total` summed in id order in f64 exactly as
 * src/sampling/distribution.ts sums it. The oracle of shaders/top-candidates.wgsl, and the candidates the sampler
 * tests feed to `sampleCandidates`.
 */
import type { TopCandidates } from '../../src/sampling/top-candidates.js';

export function topCandidatesOracle(logits: Float32Array, count: number): TopCandidates {
  let max = -Infinity;
  let invalid: number | undefined;
  for (const logit of logits) {
    if (Number.isNaN(logit)) invalid = NaN;
    else if (logit === Infinity && invalid === undefined) invalid = Infinity;
    else if (logit > max) max = logit;
  }
  let total = 0;
  if (max > -Infinity) for (const logit of logits) total += Math.exp(logit - max);
  const ranked = Array.from(logits.keys())
    .sort((a, b) => logits[b] - logits[a] || a - b)
    .slice(0, count);
  return {
    ids: Uint32Array.from(ranked),
    logits: Float32Array.from(ranked, (id) => logits[id]),
    total,
    ...(invalid === undefined ? {} : { invalid }),
  };
}
