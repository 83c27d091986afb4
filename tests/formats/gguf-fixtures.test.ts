/**
 * Trained weights through GGUF: each tiny rwkv.cpp fixture of a generation llama.cpp runs (v6, v7) is re-written in
 * llama.cpp's layout by the test writer (tests/helpers/write-gguf.ts) — its quantized blocks copied as they are,
 * F16 / BF16 rounded from its f32 values, v6 also with rwkv6.rescale_every_n_layers set (weights divided as the
 * converter divides them) — then read back whole and streamed in small chunks and run by the CPU oracle: every
 * position of `"in` must match rwkv.cpp's reference logits (or the `.bin` holding the same values) within 1e-4, and
 * the model identity must equal the `.bin`'s wherever the values are equal.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { decodeF16, encodeF16 } from '../../src/numeric/half.js';
import { loadCanonicalModel } from '../../src/formats/load.js';
import { createState } from '../../src/generations/state.js';
import type { CanonicalModel } from '../../src/model/spec.js';
import { createReferenceModel } from '../../src/reference/model.js';
import { modelIdentity } from '../helpers/model-identity.js';
import { describeWithFixtures, REFERENCE_PROMPT, referenceLogitsCases } from '../fixtures.js';
import { encodeBF16, ggufOf, isLinearWeight, matricesAs, writeGguf } from '../helpers/write-gguf.js';
import { chunked } from './helpers.js';
import { binBlocks } from '../helpers/ggml-blocks.js';

const TOLERANCE = 1e-4;
const PROMPT_TOKENS = Array.from(new TextEncoder().encode(REFERENCE_PROMPT));

function logitsOf(model: CanonicalModel): Float32Array {
  return createReferenceModel(model).forward(PROMPT_TOKENS, createState(model.spec), { allLogits: true });
}

function maxAbs(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference = Math.max(difference, Math.abs(a[i] - b[i]));
  return difference;
}

/** The model with every linear weight rounded to F16 / BF16 as the writer stores it. */
function rounded(model: CanonicalModel, type: 'F16' | 'BF16'): CanonicalModel {
  const round = (values: Float32Array) => {
    if (type === 'F16') return decodeF16(encodeF16(values));
    const halves = new Uint16Array(encodeBF16(values).buffer);
    return new Float32Array(Uint32Array.from(halves, (bits) => bits << 16).buffer);
  };
  const tensors = new Map(
    [...model.tensors].map(([name, tensor]) => [
      name,
      isLinearWeight(name) ? { ...tensor, data: round(tensor.data) } : tensor,
    ]),
  );
  return { spec: model.spec, tensors };
}

describeWithFixtures('fixture models re-written as GGUF vs rwkv.cpp reference logits', () => {
  const cases = referenceLogitsCases().filter((c) => c.model === '6v0-3m' || c.model === '7v0-834K');
  it.each(cases.map((c) => [`${c.model} ${c.format}`, c] as const))('%s', async (_, fixture) => {
    const file = new Uint8Array(readFileSync(fixture.modelFile));
    const bin = await loadCanonicalModel(file);
    const bytes = new Uint8Array(readFileSync(fixture.logitsFile));
    const expected = new Float32Array(bytes.buffer, 0, bytes.length / 4);
    const gguf = writeGguf(ggufOf(bin, await binBlocks(file)));
    for (const [how, source] of [
      ['whole', gguf],
      ['in 4093-byte chunks', chunked(gguf, 4093)],
    ] as const) {
      const model = await loadCanonicalModel(source);
      expect(model.spec).toEqual(bin.spec);
      const difference = maxAbs(logitsOf(model), expected);
      console.log(`${fixture.model} ${fixture.format} GGUF (${how}): max-abs ${difference.toExponential(2)}`);
      expect(difference).toBeLessThanOrEqual(TOLERANCE);
      expect(modelIdentity(model)).toEqual(modelIdentity(bin));
    }
  });
});

describeWithFixtures('fixture models as F16 / BF16 GGUF and v6 rescaled GGUF', () => {
  const cases = referenceLogitsCases().filter(
    (c) => (c.model === '7v0-834K' && c.format === 'FP32') || (c.model === '6v0-3m' && c.format === 'Q5_1'),
  );
  it.each(cases.map((c) => [c.model, c] as const))('%s', async (_, fixture) => {
    const bin = await loadCanonicalModel(new Uint8Array(readFileSync(fixture.modelFile)));
    const reference = logitsOf(bin);
    for (const type of ['F16', 'BF16'] as const) {
      const model = await loadCanonicalModel(writeGguf(ggufOf(bin, matricesAs(type))));
      const difference = maxAbs(logitsOf(model), logitsOf(rounded(bin, type)));
      console.log(`${fixture.model} GGUF ${type} vs the same rounding: max-abs ${difference.toExponential(2)}`);
      expect(difference).toBeLessThanOrEqual(TOLERANCE);
    }
    if (bin.spec.generation !== '6') return;
    for (const rescaleEvery of [1, 2]) {
      const model = await loadCanonicalModel(writeGguf(ggufOf(bin, matricesAs('F32'), { rescaleEvery })));
      const difference = maxAbs(logitsOf(model), reference);
      console.log(`6v0 GGUF rescale_every_n_layers ${rescaleEvery}: max-abs ${difference.toExponential(2)}`);
      expect(difference).toBeLessThanOrEqual(TOLERANCE);
      expect(modelIdentity(model)).toEqual(modelIdentity(bin));
    }
  });
});
