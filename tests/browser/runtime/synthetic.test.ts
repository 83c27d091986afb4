/**
 * The GPU forward pass of every generation against the CPU oracle on seeded synthetic models of awkward sizes:
 * logits of every position of a 50-token sequence and the final state, the sequence fed three ways — 13 tokens one
 * per step (the matrix-vector path) then a chunk of 37, chunks of 37 and 13 (a prefill split by maxChunk), and one
 * chunk of 50 (the matrix-matrix path; chunks of 16 or more run the chunk-parallel WKV) — with f32 weights and with
 * f16-packed weights (against the oracle run on the same f16-rounded weights). The one-token steps stop at 13: later
 * ones repeat the same step, and the chunk of 37 after them has the shapes the chunks-of-37 case compiles anyway.
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
/** How each case feeds the 50 tokens: the sizes of its prefill calls, and the model's maxChunk. */
const FEEDS = [
  { name: '13 tokens one per step, then a chunk of 37', calls: [...Array<number>(13).fill(1), 37], maxChunk: 37 },
  { name: 'chunks of 37 and 13 (maxChunk 37)', calls: [TOKEN_COUNT], maxChunk: 37 },
  { name: 'one chunk of 50', calls: [TOKEN_COUNT], maxChunk: TOKEN_COUNT },
];
const TOLERANCE = 1e-4;

describe.each(GENERATIONS)('GPU forward pass, synthetic v%s', (generation) => {
  const canonical = syntheticModel(generation);
  const tokens = randomTokens(TOKEN_COUNT, canonical.spec.nVocab, 1234);

  describe.each(['f32', 'f16'] as const)('%s weights', (weightType) => {
    const reference: CanonicalModel = weightType === 'f16' ? roundLinearWeights(canonical) : canonical;
    const expected = oracleRun(reference, tokens);
    const models: GpuModel[] = [];
    afterAll(() => models.forEach((model) => model.dispose()));

    it.each(FEEDS)('$name: the oracle logits at every position and its state', async ({ name, calls, maxChunk }) => {
      const { context } = await gpu();
      const model = await createGpuModel(context, canonical, { weightType, maxChunk, maxSessions: 2 });
      models.push(model);
      const session = model.allocateSlot();
      const logits = new Float32Array(TOKEN_COUNT * canonical.spec.nVocab);
      let fed = 0;
      for (const count of calls) {
        const rows = await model.prefill(session, tokens.slice(fed, fed + count), { allLogits: true });
        logits.set(rows, fed * canonical.spec.nVocab);
        fed += count;
      }
      expect(fed).toBe(TOKEN_COUNT);
      expectLogitsClose(`synthetic v${generation} ${weightType} ${name}`, logits, expected.logits, TOLERANCE);
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
