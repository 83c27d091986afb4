/**
 * Shared helpers of the GPU forward-pass tests: small synthetic models, the CPU oracle's logits and states, and the
 * GPU model fed in chunks (prefill) or token by token (decode).
 */
import { expect } from 'vitest';
import { roundToF16 } from '../../../src/gpu/matrix-layout.js';
import type { CanonicalModel, Generation, LoraDims } from '../../../src/model/spec.js';
import { type State } from '../../../src/model/state.js';
import { createState } from '../../../src/generations/state.js';
import { createSyntheticModel } from '../../../src/generations/synthetic.js';
import { createReferenceModel } from '../../../src/reference/model.js';
import type { GpuModel, StateSlot } from '../../../src/runtime/model.js';
import { isLinearWeight } from '../../../src/generations/weight-class.js';

/** Awkward small shapes, one per generation (head sizes 8, 16 and 64; widths that are not multiples of 64). */
export const SYNTHETIC_SHAPES: Record<
  Generation,
  { nLayer: number; nEmbed: number; headSize?: number; nFfn: number; lora?: LoraDims }
> = {
  '4': { nLayer: 2, nEmbed: 72, nFfn: 136 },
  '5.1': { nLayer: 2, nEmbed: 40, headSize: 8, nFfn: 88 },
  '5.2': { nLayer: 3, nEmbed: 48, headSize: 16, nFfn: 100 },
  '6': { nLayer: 2, nEmbed: 80, headSize: 16, nFfn: 150, lora: { mix: 8, decay: 12 } },
  '7': { nLayer: 3, nEmbed: 64, headSize: 64, nFfn: 132, lora: { decay: 12, iclr: 10, valueResidual: 6, gate: 20 } },
};

export const SYNTHETIC_VOCAB = 301;

export function syntheticModel(generation: Generation, seed = 11): CanonicalModel {
  return createSyntheticModel({ generation, ...SYNTHETIC_SHAPES[generation], nVocab: SYNTHETIC_VOCAB, seed });
}

/** Seeded tokens in [0, vocab). */
export function randomTokens(count: number, vocab: number, seed: number): number[] {
  let state = seed >>> 0;
  return Array.from({ length: count }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % vocab;
  });
}

/** The model with every linear weight rounded to f16: what the GPU computes with `weightType: 'f16'`. */
export function roundLinearWeights(model: CanonicalModel): CanonicalModel {
  const tensors = new Map(model.tensors);
  for (const [name, tensor] of tensors) {
    if (isLinearWeight(name)) tensors.set(name, { ...tensor, data: roundToF16(tensor.data) });
  }
  return { spec: model.spec, tensors };
}

/** The oracle's logits at every position of `tokens` from `state` (a fresh state by default), and its final state. */
export function oracleRun(
  model: CanonicalModel,
  tokens: readonly number[],
  state: State = createState(model.spec),
): { logits: Float32Array; state: State } {
  const logits = createReferenceModel(model).forward(tokens, state, { allLogits: true });
  return { logits, state };
}

/** Logits of every position, feeding `tokens` to `session` in prefill calls of `chunk` tokens. */
export async function gpuChunked(
  model: GpuModel,
  session: StateSlot,
  tokens: readonly number[],
  chunk: number,
): Promise<Float32Array> {
  const vocab = model.spec.nVocab;
  const logits = new Float32Array(tokens.length * vocab);
  for (let start = 0; start < tokens.length; start += chunk) {
    const rows = await model.prefill(session, tokens.slice(start, start + chunk), { allLogits: true });
    logits.set(rows, start * vocab);
  }
  return logits;
}

/** Logits of every position, feeding `tokens` to `session` one decode step at a time. */
export async function gpuSerial(model: GpuModel, session: StateSlot, tokens: readonly number[]): Promise<Float32Array> {
  const vocab = model.spec.nVocab;
  const logits = new Float32Array(tokens.length * vocab);
  for (let t = 0; t < tokens.length; t++) logits.set(await model.decode([session], [tokens[t]]), t * vocab);
  return logits;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** Asserts max |actual − expected| ≤ tolerance (and finite), logging the measured value under `label`. */
export function expectLogitsClose(label: string, actual: Float32Array, expected: Float32Array, tolerance: number) {
  const difference = maxAbsDiff(actual, expected);
  console.log(`${label}: max |gpu − reference| = ${difference.toExponential(2)}`);
  expect(Number.isFinite(difference), `${label}: finite`).toBe(true);
  expect(difference, label).toBeLessThanOrEqual(tolerance);
}
