/**
 * Session states on the GPU: a state read back mid-sequence and restored (into a new session or over an old one)
 * continues like the uninterrupted run; a state computed by the CPU oracle, written to the GPU, continues like the
 * oracle; and bad input (tokens outside the vocabulary, foreign or freed sessions, misfit states, a full pool, a
 * disposed model) fails with typed errors. v4 (vector state with pp = −1e30) and v7 (matrix state).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RwkvError } from '../../../src/errors.js';
import { cloneState } from '../../../src/model/state.js';
import { createState } from '../../../src/generations/state.js';
import { createGpuModel, type GpuModel } from '../../../src/runtime/model.js';
import { gpu } from '../gpu-harness.js';
import { expectLogitsClose, maxAbsDiff, oracleRun, randomTokens, syntheticModel } from './helpers.js';

const TOLERANCE = 1e-4;

describe.each(['4', '7'] as const)('GPU session states, synthetic v%s', (generation) => {
  const canonical = syntheticModel(generation, 31);
  const vocab = canonical.spec.nVocab;
  const head = randomTokens(20, vocab, 7);
  const tail = randomTokens(8, vocab, 8);
  let model: GpuModel;

  beforeAll(async () => {
    model = await createGpuModel((await gpu()).context, canonical, { maxSessions: 3, maxBatch: 2 });
  });
  afterAll(() => model.dispose());

  it('a fresh session holds the fresh state; a checkpoint restored continues like the uninterrupted run', async () => {
    const session = model.allocateSlot();
    expect((await model.readState(session)).data).toEqual(createState(canonical.spec).data);
    await model.prefill(session, head);
    const saved = await model.readState(session);
    const uninterrupted = await model.prefill(session, tail, { allLogits: true });

    const restored = model.allocateSlot(saved);
    expect(maxAbsDiff(await model.prefill(restored, tail, { allLogits: true }), uninterrupted)).toBe(0);
    await model.writeState(session, saved);
    expect(maxAbsDiff(await model.prefill(session, tail, { allLogits: true }), uninterrupted)).toBe(0);
    model.freeSlot(session);
    model.freeSlot(restored);
  });

  it("continues from the oracle's state like the oracle", async () => {
    const oracleState = oracleRun(canonical, head).state;
    const expected = oracleRun(canonical, tail, cloneState(oracleState)).logits;
    const session = model.allocateSlot(oracleState);
    const logits = await model.prefill(session, tail, { allLogits: true });
    expectLogitsClose(`v${generation} from the oracle's state`, logits, expected, TOLERANCE);
    model.freeSlot(session);
  });

  it('rejects bad input with typed errors', async () => {
    const session = model.allocateSlot();
    await expect(model.prefill(session, [vocab])).rejects.toThrow(RangeError);
    await expect(model.prefill(session, [1.5])).rejects.toThrow(RangeError);
    await expect(model.prefill(session, [])).rejects.toThrow(RangeError);
    await expect(model.decode([], [])).rejects.toThrow(RangeError);
    await expect(model.decode([session, session], [1, 2])).rejects.toThrow(/same session/);
    await expect(model.decode([session], [1, 2])).rejects.toThrow(RangeError);
    const others = [model.allocateSlot(), model.allocateSlot()];
    expect(() => model.allocateSlot()).toThrow(RwkvError);
    await expect(model.decode([session, ...others], [1, 2, 3])).rejects.toThrow(RangeError);
    const wrongSize = { layoutVersion: 1, data: new Float32Array(7) };
    await expect(model.writeState(session, wrongSize)).rejects.toThrow(/does not fit/);
    model.freeSlot(others[0]);
    await expect(model.decode([others[0]], [1])).rejects.toThrow(RwkvError);
    expect(() => model.freeSlot(others[0])).toThrow(RwkvError);
    expect((await model.decode([session], [3])).length).toBe(vocab);
    model.freeSlot(session);
    model.freeSlot(others[1]);
  });
});

describe('a disposed GPU model', () => {
  it('refuses further work', async () => {
    const canonical = syntheticModel('5.1', 3);
    const model = await createGpuModel((await gpu()).context, canonical, { maxSessions: 1 });
    const session = model.allocateSlot();
    model.dispose();
    await expect(model.decode([session], [1])).rejects.toThrow(/disposed/);
    expect(() => model.allocateSlot()).toThrow(/disposed/);
  });
});
