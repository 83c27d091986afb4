/**
 * The reference forward pass on seeded synthetic models of every generation: serial == chunked, state save/restore,
 * logits of every position, and clear errors on bad input.
 */
import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../src/errors.js';
import { GENERATIONS, type CanonicalModel, type Generation } from '../../src/model/spec.js';
import { cloneState, type State } from '../../src/model/state.js';
import { createState } from '../../src/generations/state.js';
import { createSyntheticModel } from '../../src/generations/synthetic.js';
import { createReferenceModel } from '../../src/reference/model.js';
import { maxAbsDiff, runChunked } from './helpers.js';

const TOKENS = [3, 17, 42, 0, 99, 17, 5, 63, 28];
const TOLERANCE = 1e-5;

function synthetic(generation: Generation, seed = 7): CanonicalModel {
  return createSyntheticModel({
    generation,
    nLayer: 3,
    nEmbed: 32,
    headSize: 8,
    nFfn: 64,
    nVocab: 100,
    lora: generation === '6' ? { mix: 4, decay: 8 } : { decay: 8, iclr: 8, valueResidual: 4, gate: 8 },
    seed,
  });
}

describe.each(GENERATIONS)('reference forward, generation %s', (generation) => {
  const model = createReferenceModel(synthetic(generation));
  const vocab = model.spec.nVocab;
  const serial = runChunked(model, TOKENS, 1);

  it('produces sane, finite logits that depend on the token and on the history', () => {
    let sum = 0;
    let squares = 0;
    for (const value of serial.logits) {
      expect(Number.isFinite(value)).toBe(true);
      sum += value;
      squares += value * value;
    }
    const mean = sum / serial.logits.length;
    const std = Math.sqrt(squares / serial.logits.length - mean * mean);
    expect(std).toBeGreaterThan(0.1);
    expect(std).toBeLessThan(20);
    // Token 17 appears at positions 1 and 5: same input, different history, so different logits.
    const at1 = serial.logits.subarray(vocab, 2 * vocab);
    const at5 = serial.logits.subarray(5 * vocab, 6 * vocab);
    expect(maxAbsDiff(at1, at5)).toBeGreaterThan(1e-3);
  });

  it.each([2, 3, 4, TOKENS.length])('chunks of %i tokens give the serial logits and state', (chunk) => {
    const chunked = runChunked(model, TOKENS, chunk);
    const difference = maxAbsDiff(chunked.logits, serial.logits);
    console.log(`synthetic v${generation}, chunk ${chunk}: max |chunked − serial| = ${difference.toExponential(2)}`);
    expect(difference).toBeLessThanOrEqual(TOLERANCE);
    expect(maxAbsDiff(chunked.state.data, serial.state.data)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('returns the last row of the all-position logits by default', () => {
    const last = model.forward(TOKENS, createState(model.spec));
    expect(last.length).toBe(vocab);
    expect(maxAbsDiff(last, serial.logits.subarray((TOKENS.length - 1) * vocab))).toBeLessThanOrEqual(TOLERANCE);
  });

  it('a state saved mid-sequence and restored continues like the uninterrupted run', () => {
    const state = createState(model.spec);
    model.forward(TOKENS.slice(0, 4), state);
    const saved: State = cloneState(state);
    const continued = model.forward(TOKENS.slice(4), state, { allLogits: true });
    const restored = model.forward(TOKENS.slice(4), cloneState(saved), { allLogits: true });
    expect(restored).toEqual(continued);
    expect(maxAbsDiff(continued, serial.logits.subarray(4 * vocab))).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('reference forward errors', () => {
  const model = createReferenceModel(synthetic('7'));

  it('rejects tokens outside the vocabulary, empty chunks and foreign states', () => {
    expect(() => model.forward([100], createState(model.spec))).toThrow(RangeError);
    expect(() => model.forward([1.5], createState(model.spec))).toThrow(RangeError);
    expect(() => model.forward([], createState(model.spec))).toThrow(RangeError);
    const v4State = createState(createReferenceModel(synthetic('4')).spec);
    expect(() => model.forward([1], v4State)).toThrow(/does not fit/);
  });

  it('names a missing or misshapen tensor', () => {
    const canonical = synthetic('5.2');
    const missing = new Map(canonical.tensors);
    missing.delete('blocks.2.att.gate.weight');
    expect(() => createReferenceModel({ spec: canonical.spec, tensors: missing })).toThrow(
      new ModelFormatError('Tensor blocks.2.att.gate.weight is missing from the model.'),
    );
    const misshapen = new Map(canonical.tensors);
    const key = canonical.tensors.get('blocks.1.ffn.key.weight');
    if (!key) throw new Error('synthetic model lacks blocks.1.ffn.key.weight');
    misshapen.set(key.name, { ...key, shape: [key.shape[1], key.shape[0]] });
    expect(() => createReferenceModel({ spec: canonical.spec, tensors: misshapen })).toThrow(ModelFormatError);
  });
});
