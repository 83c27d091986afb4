/**
 * Every rwkv.cpp fixture model (every generation and format) on the GPU against the reference logits of the prompt
 * `"in` at every position (../shared/fixtures/reference-logits), max-abs ≤ 1e-3, fed one token per step and as one
 * chunk of its 3 tokens (chunks of 37 or 128 would be that same chunk); FP16 files also with f16-packed weights (exact for them). Quantized files are
 * streamed to the GPU as the engine loads them: their Q8_0 / Q4_0 / Q5_0 / Q5_1 matrices stay blocks on the GPU
 * (the reference is rwkv.cpp on their exact dequantization).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { loadCanonicalModel, openModelStream } from '../../../src/formats/load.js';
import { createGpuModel, createGpuModelFromWeights, type GpuModel } from '../../../src/runtime/model.js';
import { uploadModelStream } from '../../../src/runtime/weights.js';
import { describeWithFixtures, fetchFixture, REFERENCE_CASES, REFERENCE_PROMPT } from '../fixtures.js';
import { gpu } from '../gpu-harness.js';
import { expectLogitsClose, gpuChunked } from './helpers.js';

const TOLERANCE = 1e-3;
const TOKENS = Array.from(new TextEncoder().encode(REFERENCE_PROMPT));
/** One token per step (the matrix-vector path), and the whole prompt in one prefill (the matrix-matrix path). */
const CHUNKS = [1, TOKENS.length];

describeWithFixtures('GPU forward pass against the rwkv.cpp reference logits', () => {
  describe.each(REFERENCE_CASES)('$model $format', (fixture) => {
    let file: Uint8Array;
    let expected: Float32Array;
    const models = new Map<string, GpuModel>();

    beforeAll(async () => {
      file = await fetchFixture('rwkv-cpp', fixture.modelFile);
      const bytes = await fetchFixture('reference-logits', fixture.logitsFile);
      expected = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    });
    afterAll(() => models.forEach((model) => model.dispose()));

    /** 'blocks': streamed, quantized matrices kept as blocks, the others f32; else the canonical model uploaded. */
    const load = async (weightType: 'f32' | 'f16' | 'blocks'): Promise<GpuModel> => {
      const { context } = await gpu();
      const options = { maxSessions: CHUNKS.length };
      if (weightType !== 'blocks') {
        return createGpuModel(context, await loadCanonicalModel(file), { ...options, weightType });
      }
      const { spec, weights } = await uploadModelStream(context.device, await openModelStream(file));
      return createGpuModelFromWeights(context, spec, weights, options);
    };

    const weightTypes = fixture.format.startsWith('Q')
      ? (['blocks'] as const)
      : fixture.format === 'FP16'
        ? (['f32', 'f16'] as const)
        : (['f32'] as const);
    for (const weightType of weightTypes) {
      it.each(CHUNKS)(`${weightType} weights, chunks of %i tokens`, async (chunk) => {
        let model = models.get(weightType);
        if (!model) {
          model = await load(weightType);
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
