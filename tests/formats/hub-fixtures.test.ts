/**
 * Trained weights through the Hugging Face layouts: each tiny rwkv.cpp fixture model (FP32, or for v6 its exactly
 * dequantized Q5_1 weights) is put into official form, converted as the hub converters do (fla's names for v7,
 * transformers' for v4–v6; tests/helpers/write-hub.ts), written as safetensors and as a torch zip
 * (`pytorch_model.bin`), read back, and run by the CPU oracle: every position of `"in` must match rwkv.cpp's
 * reference logits within 1e-4, as the `.bin` itself does.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { loadCanonicalModel } from '../../src/formats/load.js';
import { openPth } from '../../src/formats/pth/reader.js';
import { memorySource } from '../../src/formats/random-access.js';
import { openSafetensors } from '../../src/formats/safetensors/reader.js';
import { collectModel } from '../../src/formats/tensor-stream.js';
import { checkpointStream } from '../../src/formats/checkpoint-stream.js';
import type { OfficialCheckpoint } from '../../src/formats/official-names.js';
import { createState } from '../../src/generations/state.js';
import { createReferenceModel } from '../../src/reference/model.js';
import { describeWithFixtures, REFERENCE_PROMPT, referenceLogitsCases } from '../fixtures.js';
import { hubTensors } from '../helpers/write-hub.js';
import { officialTensors, writePth } from '../helpers/write-pth.js';
import { writeSafetensors } from '../helpers/write-safetensors.js';
import { maxAbsDiff } from '../reference/helpers.js';

const TOLERANCE = 1e-4;
const PROMPT_TOKENS = Array.from(new TextEncoder().encode(REFERENCE_PROMPT));

describeWithFixtures('fixture models as Hugging Face conversions vs rwkv.cpp reference logits', () => {
  const cases = referenceLogitsCases().filter(
    (c) => c.format === 'FP32' || (c.model === '6v0-3m' && c.format === 'Q5_1'),
  );
  it.each(cases.map((c) => [`${c.model} ${c.format}`, c] as const))('%s', async (_, fixture) => {
    const bin = await loadCanonicalModel(new Uint8Array(readFileSync(fixture.modelFile)));
    const hub = hubTensors(officialTensors(bin), bin.spec.generation);
    expect(hub.some((tensor) => tensor.name.startsWith('rwkv.') || tensor.name.startsWith('model.layers.'))).toBe(true);
    const bytes = new Uint8Array(readFileSync(fixture.logitsFile));
    const expected = new Float32Array(bytes.buffer, 0, bytes.length / 4);
    const containers: [string, OfficialCheckpoint][] = [
      ['model.safetensors', await openSafetensors(memorySource(writeSafetensors(hub)))],
      ['pytorch_model.bin', await openPth(memorySource(writePth(hub)))],
    ];
    for (const [container, checkpoint] of containers) {
      expect(checkpoint.naming).toBe('hugging-face');
      const model = await collectModel(checkpointStream(checkpoint, 'safetensors', 0));
      expect(model.spec).toEqual({ ...bin.spec, weightType: 'f32' });
      const logits = createReferenceModel(model).forward(PROMPT_TOKENS, createState(model.spec), { allLogits: true });
      const difference = maxAbsDiff(logits, expected);
      console.log(`${fixture.model} ${fixture.format} as ${container}: max-abs ${difference.toExponential(2)}`);
      expect(difference).toBeLessThanOrEqual(TOLERANCE);
    }
  });
});
