/**
 * Perplexity of a model on a token sequence with the CPU reference forward pass: from a fresh state, each token
 * t + 1 is scored by the logits after tokens 0..t (nll-accumulator.ts). The tokens are fed in chunks of
 * `chunkSize`, all logits of a chunk at once, which gives the same logits as one token at a time.
 */
import { createState } from '../generations/state.js';
import type { ReferenceModel } from './model.js';
import { NllAccumulator, type NllResult } from './nll-accumulator.js';

export function perplexity(model: ReferenceModel, tokens: readonly number[], chunkSize = 128): NllResult {
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError(`chunk size ${chunkSize} is not a count`);
  const accumulator = new NllAccumulator(Uint32Array.from(tokens), model.spec.nVocab);
  const state = createState(model.spec);
  for (let start = 0; start < tokens.length - 1; start += chunkSize) {
    const chunk = tokens.slice(start, Math.min(start + chunkSize, tokens.length - 1));
    accumulator.add(model.forward(chunk, state, { allLogits: true }), start);
  }
  return accumulator.result();
}
