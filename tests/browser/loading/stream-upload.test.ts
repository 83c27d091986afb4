/**
 * Weights streamed to the GPU run by run (WeightUploader.addRuns): synthetic `.bin` files (FP32 and FP16, widths that
 * do and do not fill whole 16-byte chunks, so that runs are written as they are or decoded and packed) read in runs
 * of at most 700 bytes into matrices split into parts of at most 12 KiB (runs straddle parts; the embedding and the
 * head are 3 to 7 parts, each part of a matrix its own pipeline variant to compile). The model built over
 * them gives exactly the logits of the same model uploaded whole (createGpuModel), and the oracle's within 1e-4.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { openModelStream } from '../../../src/formats/load.js';
import type { Generation } from '../../../src/model/spec.js';
import { createSyntheticModel } from '../../../src/generations/synthetic.js';
import type { SyntheticModelOptions } from '../../../src/generations/synthetic.js';
import { createGpuModel, createGpuModelFromWeights } from '../../../src/runtime/model.js';
import type { GpuModel } from '../../../src/runtime/model.js';
import { createWeightUploader } from '../../../src/runtime/weights.js';
import { gpu } from '../gpu-harness.js';
import { expectLogitsClose, oracleRun, randomTokens, SYNTHETIC_SHAPES, SYNTHETIC_VOCAB } from '../runtime/helpers.js';
import { syntheticModelFile } from '../server/synthetic-model-file.js';
import { asStoredInF16 } from './helpers.js';

const RUN_BYTES = 700;
const PART_BYTES = 12 * 1024;
const TOKENS = randomTokens(9, SYNTHETIC_VOCAB, 77);

/** v7: FFN width 132 (f16 rows of 132 values are packed, f32 rows written as they are); v5.2: 48 × 100. */
const CASES: [Generation, 'f32' | 'f16'][] = [
  ['7', 'f16'],
  ['7', 'f32'],
  ['5.2', 'f16'],
];

describe.each(CASES)('v%s %s file streamed in runs to split matrices', (generation, dataType) => {
  const options: SyntheticModelOptions = {
    generation,
    ...SYNTHETIC_SHAPES[generation],
    nVocab: SYNTHETIC_VOCAB,
    seed: 5,
  };
  const models: GpuModel[] = [];
  afterAll(() => models.forEach((model) => model.dispose()));

  test('same logits as the model uploaded whole; the oracle’s within 1e-4', async () => {
    const { context } = await gpu();
    const synthetic = createSyntheticModel(options);
    const stored = dataType === 'f16' ? asStoredInF16(synthetic) : synthetic;
    const stream = await openModelStream(syntheticModelFile({ model: options, dataType }), { runBytes: RUN_BYTES });
    const uploader = createWeightUploader(context.device, { weightType: dataType, maxBindingBytes: PART_BYTES });
    let runs = 0;
    const { spec } = await stream.forEachTensor((tensor) =>
      uploader.addRuns({
        ...tensor,
        runs: async function* () {
          for await (const run of tensor.runs()) {
            runs += 1;
            yield run;
          }
        },
      }),
    );
    const weights = uploader.finish();
    expect(weights.matrix('emb.weight', spec.nVocab, spec.nEmbed).parts.length).toBeGreaterThan(2);
    expect(runs).toBeGreaterThan(2 * stored.tensors.size);
    const streamed = await createGpuModelFromWeights(context, spec, weights, { maxSessions: 1 });
    models.push(streamed);
    const whole = await createGpuModel(context, stored, {
      weightType: dataType,
      maxBindingBytes: PART_BYTES,
      maxSessions: 1,
    });
    models.push(whole);

    const logits = await streamed.prefill(streamed.allocateSlot(), TOKENS, { allLogits: true });
    expect(logits).toEqual(await whole.prefill(whole.allocateSlot(), TOKENS, { allLogits: true }));
    expectLogitsClose(`v${generation} ${dataType} streamed`, logits, oracleRun(stored, TOKENS).logits, 1e-4);
  });
});
