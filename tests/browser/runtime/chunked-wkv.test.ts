/**
 * The chunk-parallel WKV inside the whole forward pass, on the rwkv.cpp fixture models (trained weights) of every
 * generation that has it (v5.1, v5.2, v6, v7): the logits at every position of a 128-token text prefilled as one
 * chunk (chunk-parallel WKV) against the same text in chunks of 8 tokens (below CHUNKED_WKV_MIN_TOKENS: the serial
 * scan), max-abs ≤ 1e-3, and the final states likewise.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { loadCanonicalModel } from '../../../src/formats/load.js';
import { CHUNKED_WKV_MIN_TOKENS } from '../../../src/gpu/kernels/wkv.js';
import { createGpuModel, type GpuModel } from '../../../src/runtime/model.js';
import { describeWithFixtures, fetchFixture, REFERENCE_CASES } from '../fixtures.js';
import { gpu } from '../gpu-harness.js';
import { expectLogitsClose, gpuChunked, maxAbsDiff } from './helpers.js';

const TOLERANCE = 1e-3;
const SERIAL_CHUNK = 8;
const TEXT =
  'The river ran quietly past the old mill, where a heron stood in the reeds and watched the water for fish all day.';
const TOKENS = Array.from(new TextEncoder().encode(TEXT.padEnd(128, ' '))).slice(0, 128);
/** One file per model with a matrix-state WKV (v4 keeps its scan). */
const CASES = ['5v1-730K', '5v2-730K', '6v0-3m', '7v0-834K'].map((model) =>
  REFERENCE_CASES.find((fixture) => fixture.model === model)!,
);

describeWithFixtures('chunk-parallel WKV in the forward pass, fixture models', () => {
  const models: GpuModel[] = [];
  afterAll(() => models.forEach((model) => model.dispose()));

  it('runs the serial scan for the comparison chunks', () => {
    expect(SERIAL_CHUNK).toBeLessThan(CHUNKED_WKV_MIN_TOKENS);
  });

  describe.each(CASES)('$model $format', (fixture) => {
    it('one 128-token chunk gives the logits and state of chunks of 8 at every position', async () => {
      const canonical = await loadCanonicalModel(await fetchFixture('rwkv-cpp', fixture.modelFile));
      const model = await createGpuModel((await gpu()).context, canonical, { maxChunk: 128, maxSessions: 2 });
      models.push(model);
      const [chunked, serial] = [model.allocateSlot(), model.allocateSlot()];
      const chunkedLogits = await gpuChunked(model, chunked, TOKENS, TOKENS.length);
      const serialLogits = await gpuChunked(model, serial, TOKENS, SERIAL_CHUNK);
      expectLogitsClose(`${fixture.model} ${fixture.format} chunk 128 vs 8`, chunkedLogits, serialLogits, TOLERANCE);
      const [chunkedState, serialState] = await Promise.all([model.readState(chunked), model.readState(serial)]);
      expect(maxAbsDiff(chunkedState.data, serialState.data)).toBeLessThanOrEqual(TOLERANCE);
    });
  });
});
