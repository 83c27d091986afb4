/**
 * Matrices split by rows across bindings: with a forced binding limit of 100 f32 rows of the synthetic v7 model
 * (C = 64), the embedding and the head (301 rows) are cut into 4 parts (the last of one row) — 2 with f16 rows of
 * half the bytes — and so is the f32 FFN key matrix (132 rows). The forward pass still gives the oracle's logits,
 * one token per step (matrix-vector path) and in chunks of 37 (matrix-matrix path).
 */
import { describe, expect, it } from 'vitest';
import { rowBytes } from '../../../src/gpu/matrix-layout.js';
import { createGpuModelFromWeights } from '../../../src/runtime/model.js';
import { createWeightUploader } from '../../../src/runtime/weights.js';
import { gpu } from '../gpu-harness.js';
import {
  expectLogitsClose,
  oracleRun,
  randomTokens,
  roundLinearWeights,
  SYNTHETIC_VOCAB,
  syntheticModel,
} from './helpers.js';

const LIMIT_ROWS = 100;
const TOLERANCE = 1e-4;

describe.each([
  ['f32', 4, 2],
  ['f16', 2, 1],
] as const)('row-split embedding and head, %s weights', (weightType, headParts, ffnKeyParts) => {
  const canonical = syntheticModel('7', 41);
  const c = canonical.spec.nEmbed;
  const tokens = randomTokens(40, SYNTHETIC_VOCAB, 9);
  const expected = oracleRun(weightType === 'f16' ? roundLinearWeights(canonical) : canonical, tokens).logits;

  it.each([1, 37])('chunks of %i tokens give the oracle logits', async (chunk) => {
    const { context } = await gpu();
    const uploader = createWeightUploader(context.device, {
      weightType,
      maxBindingBytes: LIMIT_ROWS * rowBytes(c, 'f32'),
    });
    for (const tensor of canonical.tensors.values()) uploader.add(tensor);
    const weights = uploader.finish();
    for (const name of ['emb.weight', 'head.weight']) {
      const parts = weights.matrix(name, SYNTHETIC_VOCAB, c).parts;
      expect(parts.map((part) => part.rowCount).reduce((a, b) => a + b)).toBe(SYNTHETIC_VOCAB);
      expect(parts.length).toBe(headParts);
    }
    expect(weights.matrix('blocks.0.ffn.key.weight', canonical.spec.nFfn, c).parts.length).toBe(ffnKeyParts);
    const model = await createGpuModelFromWeights(context, canonical.spec, weights, { maxChunk: chunk });
    const logits = await model.prefill(model.allocateSlot(), tokens, { allLogits: true });
    expectLogitsClose(`row-split ${weightType} chunk ${chunk}`, logits, expected, TOLERANCE);
    model.dispose();
  });
});
