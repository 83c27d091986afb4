/**
 * Shared helpers of the reference tests: feeding a token sequence in chunks and comparing logits.
 */
import { expect } from 'vitest';
import { type State } from '../../src/model/state.js';
import { createState } from '../../src/generations/state.js';
import type { ReferenceModel } from '../../src/reference/model.js';

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** The logits of every position of `tokens` fed in chunks of `chunk` tokens, and the final state. */
export function runChunked(
  model: ReferenceModel,
  tokens: readonly number[],
  chunk: number,
  state: State = createState(model.spec),
): { logits: Float32Array; state: State } {
  const logits = new Float32Array(tokens.length * model.spec.nVocab);
  for (let start = 0; start < tokens.length; start += chunk) {
    const rows = model.forward(tokens.slice(start, start + chunk), state, { allLogits: true });
    logits.set(rows, start * model.spec.nVocab);
  }
  return { logits, state };
}
