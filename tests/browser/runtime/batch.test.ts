/**
 * Batched decode: three sessions at different positions (prompts of 5, 9 and 2 tokens) stepped together, one token
 * each per step in one dispatch per op, give the logits of three solo runs and of the CPU oracle, for every
 * generation. The batch lists the sessions out of slot order, so the per-session state offsets are exercised. A
 * decode that reads back a whole row for one session and top candidates for the others (selected on the GPU) gives
 * the same row, the CPU's ranking of the rows it did not read back, and those rows on request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERATIONS } from '../../../src/model/spec.js';
import { createGpuModel, type GpuModel, type StateSlot } from '../../../src/runtime/model.js';
import { isTopCandidates } from '../../../src/sampling/top-candidates.js';
import { topCandidatesOracle } from '../../helpers/top-candidates-oracle.js';
import { gpu } from '../gpu-harness.js';
import { expectLogitsClose, maxAbsDiff, oracleRun, randomTokens, syntheticModel } from './helpers.js';

const PROMPT_LENGTHS = [5, 9, 2];
const STEPS = 6;
const TOLERANCE = 1e-4;
/** Model creation compiles every pipeline of decode and prefill (SwiftShader on a loaded machine: up to a minute). */
const MODEL_CREATION_TIMEOUT_MS = 120_000;

describe.each(GENERATIONS)('batched decode, synthetic v%s', (generation) => {
  const canonical = syntheticModel(generation, 23);
  const vocab = canonical.spec.nVocab;
  const prompts = PROMPT_LENGTHS.map((length, i) => randomTokens(length, vocab, 100 + i));
  const continuations = PROMPT_LENGTHS.map((_, i) => randomTokens(STEPS, vocab, 200 + i));
  let model: GpuModel;

  beforeAll(async () => {
    model = await createGpuModel((await gpu()).context, canonical, { maxSessions: 12, maxBatch: 3 });
  }, MODEL_CREATION_TIMEOUT_MS);
  afterAll(() => model?.dispose());

  /** Two slots per prompt, each prefilled with it: one set to run the way under test, one to compare with. */
  async function twoPrefilledSets(): Promise<[StateSlot[], StateSlot[]]> {
    const sets: [StateSlot[], StateSlot[]] = [[], []];
    for (const prompt of prompts) {
      for (const set of sets) {
        const slot = model.allocateSlot();
        await model.prefill(slot, prompt);
        set.push(slot);
      }
    }
    return sets;
  }

  it('a batch of 3 sessions equals 3 solo runs and the oracle', async () => {
    const [batched, solo] = await twoPrefilledSets();
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

  it('a batch mixing whole rows and top candidates returns what a whole-row decode returns', async () => {
    const [selecting, whole] = await twoPrefilledSets();
    const tokens = continuations.map((tokens) => tokens[0]);
    const outputs = await model.decodeSelecting(selecting, tokens, [0, 1, 40]);
    const rows = await model.decode(whole, tokens);
    const row = (i: number) => rows.subarray(i * vocab, (i + 1) * vocab);
    expect(outputs[0]).toEqual(row(0));
    await expect(model.readLogits(selecting[0])).rejects.toThrow(/No logits are kept/);
    for (const [i, wanted] of [
      [1, 1],
      [2, 40],
    ]) {
      const output = outputs[i];
      if (!isTopCandidates(output)) throw new Error(`session ${i} got a whole row, not candidates`);
      expect(output.ids.length).toBeGreaterThanOrEqual(wanted);
      const expected = topCandidatesOracle(row(i), output.ids.length);
      expect(Array.from(output.ids)).toEqual(Array.from(expected.ids));
      expect(output.logits).toEqual(expected.logits);
      expect(Math.abs(output.total - expected.total)).toBeLessThanOrEqual(1e-5 * expected.total);
      expect(await model.readLogits(selecting[i])).toEqual(row(i));
    }
    await model.prefill(selecting[1], [1]);
    await expect(model.readLogits(selecting[1])).rejects.toThrow(/No logits are kept/);
    for (const slot of [...selecting, ...whole]) model.freeSlot(slot);
  });
});
