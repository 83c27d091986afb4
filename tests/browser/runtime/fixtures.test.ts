/**
 * Every rwkv.cpp fixture model (every generation and format) on the GPU against the reference logits of the prompt
 * `"in` at every position (../shared/fixtures/reference-logits), max-abs ≤ 1e-3, fed one token per step and in
 * chunks of 37 and 128 tokens; FP16 files also with f16-packed weights (exact for them).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { loadCanonicalModel } from '../../../src/formats/load.js';
import type { CanonicalModel } from '../../../src/model/spec.js';
import { createGpuModel, type GpuModel } from '../../../src/runtime/model.js';
import { describeWithFixtures, fetchFixture, REFERENCE_CASES, REFERENCE_PROMPT } from '../fixtures.js';
import { gpu } from '../gpu-harness.js';
import { expectLogitsClose, gpuChunked } from './helpers.js';

const TOLERANCE = 1e-3;
const CHUNKS = [1, 37, 128];
const TOKENS = Array.from(new TextEncoder().encode(REFERENCE_PROMPT));

describeWithFixtures('GPU forward pass against the rwkv.cpp reference logits', () => {
  describe.each(REFERENCE_CASES)('$model $format', (fixture) => {
    let canonical: CanonicalModel;
    let expected: Float32Array;
    const models = new Map<string, GpuModel>();

    beforeAll(async () => {
      canonical = await loadCanonicalModel(await fetchFixture('rwkv-cpp', fixture.modelFile));
      const bytes = await fetchFixture('reference-logits', fixture.logitsFile);
      expected = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    });
    afterAll(() => models.forEach((model) => model.dispose()));

    const weightTypes = fixture.format === 'FP16' ? (['f32', 'f16'] as const) : (['f32'] as const);
    for (const weightType of weightTypes) {
      it.each(CHUNKS)(`${weightType} weights, chunks of %i tokens`, async (chunk) => {
        let model = models.get(weightType);
        if (!model) {
          model = await createGpuModel((await gpu()).context, canonical, { weightType, maxSessions: CHUNKS.length });
          models.set(weightType, model);
        }
        const logits = await gpuChunked(model, model.allocateSlot(), TOKENS, chunk);
        expectLogitsClose(
          `${fixture.model} ${fixture.format} ${weightType} chunk ${chunk}`,
          logits,
          expected,
          TOLERANCE,
        );
      });
    }
  });
});
