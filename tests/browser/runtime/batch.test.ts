/**
 * Batched decode: three sessions at different positions (prompts of 5, 9 and 2 tokens) stepped together, one token
 * each per step in one dispatch per op, give the logits of three solo runs and of the CPU oracle, for every
 * generation. The batch lists the sessions out of slot order, so the per-session state offsets are exercised.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERATIONS } from '../../../src/model/spec.js';
import { createGpuModel, type GpuModel } from '../../../src/runtime/model.js';
import { gpu } from '../gpu-harness.js';
import { expectLogitsClose, maxAbsDiff, oracleRun, randomTokens, syntheticModel } from './helpers.js';

const PROMPT_LENGTHS = [5, 9, 2];
const STEPS = 6;
const TOLERANCE = 1e-4;

describe.each(GENERATIONS)('batched decode, synthetic v%s', (generation) => {
  const canonical = syntheticModel(generation, 23);
  const vocab = canonical.spec.nVocab;
  const prompts = PROMPT_LENGTHS.map((length, i) => randomTokens(length, vocab, 100 + i));
  const continuations = PROMPT_LENGTHS.map((_, i) => randomTokens(STEPS, vocab, 200 + i));
  let model: GpuModel;

  beforeAll(async () => {
    model = await createGpuModel((await gpu()).context, canonical, { maxSessions: 6, maxBatch: 3 });
  });
  afterAll(() => model.dispose());

  it('a batch of 3 sessions equals 3 solo runs and the oracle', async () => {
    const batched = prompts.map(() => model.allocateSlot());
    const solo = prompts.map(() => model.allocateSlot());
    for (let i = 0; i < prompts.length; i++) {
      await model.prefill(batched[i], prompts[i]);
      await model.prefill(solo[i], prompts[i]);
    }
    const order = [2, 0, 1];
    const batchLogits = prompts.map(() => new Float32Array(STEPS * vocab));
    const soloLogits = prompts.map(() => new Float32Array(STEPS * vocab));
    for (let step = 0; step < STEPS; step++) {
      const rows = await model.decode(
        order.map((i) => batched[i]),
        order.map((i) => continuations[i][step]),
      );
      expect(rows.length).toBe(order.length * vocab);
      order.forEach((i, b) => batchLogits[i].set(rows.subarray(b * vocab, (b + 1) * vocab), step * vocab));
      for (let i = 0; i < prompts.length; i++) {
        soloLogits[i].set(await model.decode([solo[i]], [continuations[i][step]]), step * vocab);
      }
    }
    for (let i = 0; i < prompts.length; i++) {
      const difference = maxAbsDiff(batchLogits[i], soloLogits[i]);
      console.log(`v${generation} session ${i}: max |batched − solo| = ${difference.toExponential(2)}`);
      expect(difference).toBeLessThanOrEqual(1e-5);
      const expected = oracleRun(canonical, [...prompts[i], ...continuations[i]]).logits;
      const continued = expected.subarray(prompts[i].length * vocab);
      expectLogitsClose(`v${generation} batched session ${i}`, batchLogits[i], continued, TOLERANCE);
    }
  });
});
