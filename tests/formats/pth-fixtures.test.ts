/**
 * Trained weights through the official formats: each tiny rwkv.cpp fixture model (FP32, or for v6 its exactly
 * dequantized Q5_1 weights) is put back into official form, written as f32 `.pth` and as safetensors in
 * official and web-rwkv names, read back, and run by the CPU oracle: every position of `"in` must match rwkv.cpp's
 * reference logits within 1e-4, as the `.bin` itself does.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { loadCanonicalModel } from '../../src/formats/load.js';
import { memorySource } from '../../src/formats/random-access.js';
import type { CanonicalModel } from '../../src/model/spec.js';
import { createState } from '../../src/generations/state.js';
import { createReferenceModel } from '../../src/reference/model.js';
import { describeWithFixtures, REFERENCE_PROMPT, referenceLogitsCases } from '../fixtures.js';
import { officialTensors, writePth } from '../helpers/write-pth.js';
import { writeSafetensors } from '../helpers/write-safetensors.js';
import { loadPthModel, loadSafetensorsModel } from './helpers.js';

const TOLERANCE = 1e-4;
const PROMPT_TOKENS = Array.from(new TextEncoder().encode(REFERENCE_PROMPT));

const CONTAINERS: Record<string, (model: CanonicalModel) => Promise<CanonicalModel>> = {
  pth: (model) => loadPthModel(memorySource(writePth(officialTensors(model)))),
  'safetensors (official names)': (model) =>
    loadSafetensorsModel(memorySource(writeSafetensors(officialTensors(model)))),
  'safetensors (web-rwkv names)': (model) =>
    loadSafetensorsModel(memorySource(writeSafetensors(officialTensors(model, 'web-rwkv')))),
};

describeWithFixtures('fixture models re-written as .pth / safetensors vs rwkv.cpp reference logits', () => {
  const cases = referenceLogitsCases().filter(
    (c) => c.format === 'FP32' || (c.model === '6v0-3m' && c.format === 'Q5_1'),
  );
  it.each(cases.map((c) => [`${c.model} ${c.format}`, c] as const))('%s', async (_, fixture) => {
    const bin = await loadCanonicalModel(new Uint8Array(readFileSync(fixture.modelFile)));
    const bytes = new Uint8Array(readFileSync(fixture.logitsFile));
    const expected = new Float32Array(bytes.buffer, 0, bytes.length / 4);
    for (const [container, reload] of Object.entries(CONTAINERS)) {
      const model = await reload(bin);
      expect(model.spec.generation).toBe(bin.spec.generation);
      const logits = createReferenceModel(model).forward(PROMPT_TOKENS, createState(model.spec), { allLogits: true });
      expect(logits.length).toBe(expected.length);
      let difference = 0;
      for (let i = 0; i < logits.length; i++) difference = Math.max(difference, Math.abs(logits[i] - expected[i]));
      console.log(`${fixture.model} ${fixture.format} via ${container}: max-abs ${difference.toExponential(2)}`);
      expect(difference).toBeLessThanOrEqual(TOLERANCE);
    }
  });
});
