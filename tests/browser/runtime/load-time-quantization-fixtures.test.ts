/**
 * Load-time quantization of the FP32 fixture models (v4, v5.1, v5.2, v7), streamed to the GPU as the engine loads
 * them (each run of rows quantized on its own, src/quantize/quantize-run.ts): 'q8' and 'q4' give the logits of the
 * CPU oracle run on the same quantized values (src/quantize/oracle-weights.ts) within 1e-3 at every position of 48
 * bytes of English, one token per step (matvec) and in chunks of 37 (matmat). `maxChunk` is 37, so no pipeline for an
 * unused 128-token shape is compiled (eight models are built here).
 */
import { afterAll, describe, it } from 'vitest';
import { loadCanonicalModel, openModelStream } from '../../../src/formats/load.js';
import type { CanonicalModel } from '../../../src/model/spec.js';
import { quantizedAsLoaded } from '../../../src/quantize/oracle-weights.js';
import { createGpuModelFromWeights, type GpuModel } from '../../../src/runtime/model.js';
import { uploadModelStream } from '../../../src/runtime/weights.js';
import { describeWithFixtures, fetchFixture } from '../fixtures.js';
import { gpu } from '../gpu-harness.js';
import { expectLogitsClose, gpuChunked, oracleRun } from './helpers.js';

const TOLERANCE = 1e-3;
const CHUNKS = [1, 37];
const TOKENS = Array.from(new TextEncoder().encode('The lighthouse keeper on the northern point kept '));
const MODELS = ['4v0-660K', '5v1-730K', '5v2-730K', '7v0-834K'];

describeWithFixtures('FP32 fixtures quantized at load against the oracle on the same values', () => {
  describe.each(MODELS)('%s', (name) => {
    let file: Uint8Array | undefined;
    let model: CanonicalModel | undefined;
    const gpuModels: GpuModel[] = [];
    afterAll(() => gpuModels.forEach((gpuModel) => gpuModel.dispose()));

    describe.each(['q8', 'q4'] as const)('%s', (quantize) => {
      let loaded: GpuModel | undefined;
      let expected: Float32Array | undefined;
      it.each(CHUNKS)('chunks of %i tokens', async (chunk) => {
        file ??= await fetchFixture('rwkv-cpp', `tiny-rwkv-${name}-FP32.bin`);
        model ??= await loadCanonicalModel(file);
        if (loaded === undefined) {
          const { context } = await gpu();
          const quantization = { quantize };
          const { spec, weights } = await uploadModelStream(context.device, await openModelStream(file), {
            quantization,
          });
          loaded = await createGpuModelFromWeights(context, spec, weights, {
            maxSessions: CHUNKS.length,
            maxChunk: Math.max(...CHUNKS),
          });
          gpuModels.push(loaded);
          expected = oracleRun(quantizedAsLoaded(model, quantization), TOKENS).logits;
        }
        const logits = await gpuChunked(loaded, loaded.allocateSlot(), TOKENS, chunk);
        expectLogitsClose(`${name} ${quantize} chunk ${chunk}`, logits, expected!, TOLERANCE);
      });
    });
  });
});
