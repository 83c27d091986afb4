/**
 * The GPU forward pass of every generation against the CPU oracle on seeded synthetic models of awkward sizes:
 * logits of every position of a 50-token sequence fed one token per step (chunk 1, the matrix-vector path) and in
 * chunks of 37 and 128 tokens (the matrix-matrix path; 50 tokens = chunks of 37 and 13, or one of 128), with f32
 * weights and with f16-packed weights (against the oracle run on the same f16-rounded weights); and the final state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERATIONS, type CanonicalModel } from '../../../src/model/spec.js';
import { createGpuModel, type GpuModel } from '../../../src/runtime/model.js';
import { gpu } from '../gpu-harness.js';
import {
  expectLogitsClose,
  maxAbsDiff,
  oracleRun,
  randomTokens,
  roundLinearWeights,
  syntheticModel,
} from './helpers.js';

const TOKEN_COUNT = 50;
const CHUNKS = [1, 37, 128];
const TOLERANCE = 1e-4;

describe.each(GENERATIONS)('GPU forward pass, synthetic v%s', (generation) => {
  const canonical = syntheticModel(generation);
  const tokens = randomTokens(TOKEN_COUNT, canonical.spec.nVocab, 1234);

  describe.each(['f32', 'f16'] as const)('%s weights', (weightType) => {
    const reference: CanonicalModel = weightType === 'f16' ? roundLinearWeights(canonical) : canonical;
    const expected = oracleRun(reference, tokens);
    const models: GpuModel[] = [];
    afterAll(() => models.forEach((model) => model.dispose()));

    it.each(CHUNKS)('chunks of %i tokens give the oracle logits at every position and its state', async (chunk) => {
      const { context } = await gpu();
      const model = await createGpuModel(context, canonical, { weightType, maxChunk: chunk, maxSessions: 2 });
      models.push(model);
      const session = model.allocateSlot();
      const logits = await model.prefill(session, tokens, { allLogits: true });
      expectLogitsClose(`synthetic v${generation} ${weightType} chunk ${chunk}`, logits, expected.logits, TOLERANCE);
      const state = await model.readState(session);
      expect(maxAbsDiff(state.data, expected.state.data)).toBeLessThanOrEqual(TOLERANCE);
    });
  });

  describe('last-position logits', () => {
    let model: GpuModel;
    beforeAll(async () => {
      model = await createGpuModel((await gpu()).context, canonical, { maxChunk: 37, maxSessions: 1 });
    });
    afterAll(() => model.dispose());

    it('are the last row of the every-position logits', async () => {
      const expected = oracleRun(canonical, tokens).logits.subarray((TOKEN_COUNT - 1) * canonical.spec.nVocab);
      const logits = await model.prefill(model.allocateSlot(), tokens);
      expectLogitsClose(`synthetic v${generation} last position`, logits, expected, TOLERANCE);
    });
  });
});
