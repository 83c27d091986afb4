/**
 * A GGUF model on WebGPU, in headless Chromium, from a File: Q8_0 matrices (kept as blocks on the GPU, as from a
 * `.bin`), Q4_K and Q6_K matrices (dequantized exactly, held as f16, with a `weights-converted` warning naming them)
 * and F32 vectors. Its logits must be within 1e-3 of the CPU engine running the same values (the K-quant weights
 * rounded to f16, as the GPU holds them); the distance to the exact K-quant values is logged. And two rwkv.cpp
 * fixtures re-written as GGUF with their own Q blocks (v6 Q5_1, v7 Q8_0) must match rwkv.cpp's reference logits
 * within 1e-3.
 */
import { expect, test } from 'vitest';
import { createEngine } from '../../../src/engine/engine.js';
import { decodeF16, encodeF16 } from '../../../src/numeric/half.js';
import { loadCanonicalModel } from '../../../src/formats/load.js';
import type { CanonicalModel } from '../../../src/model/spec.js';
import type { EngineEvent } from '../../../src/protocol/types.js';
import { modelBytes } from '../../engine/helpers.js';
import { binBlocks, model256, quantizedAs } from '../../helpers/ggml-blocks.js';
import { describeWithFixtures, fetchFixture, REFERENCE_PROMPT } from '../fixtures.js';
import { ggufOf, writeGguf, writeSplitGguf } from '../../helpers/write-gguf.js';
import type { TensorEncoder } from '../../helpers/write-gguf.js';

/** Q4_K for the time-mix matrices, Q6_K for the rest where rows are 256 values, Q8_0 where they are not. */
function mixedTypes(kQuantized: Set<string>): TensorEncoder {
  const expected = new Map<string, Float32Array>();
  const q4k = quantizedAs('Q4_K', expected);
  const q6k = quantizedAs('Q6_K', expected);
  return (name, values, ne) => {
    const stored = (name.includes('.att.') ? q4k : q6k)(name, values, ne);
    if (stored.type.endsWith('_K')) kQuantized.add(name);
    return stored;
  };
}

async function logitsOf(
  model: Blob | Uint8Array | File[],
  backend: 'webgpu' | 'cpu',
  events: EngineEvent[] = [],
  prompt = 'GGUF!',
) {
  const engine = await createEngine({
    model,
    backend,
    worker: false,
    tokenizer: 'bytes',
    onProgress: (event) => events.push(event),
  });
  const session = await engine.createSession();
  await session.prefill(prompt);
  const logits = await session.logits();
  await engine.dispose();
  return logits;
}

function maxAbs(a: Float32Array, b: Float32Array): number {
  return a.reduce((worst, value, i) => Math.max(worst, Math.abs(value - b[i])), 0);
}

test('a GGUF of Q8_0, Q4_K and Q6_K weights on WebGPU: within 1e-3 of the CPU', async () => {
  const base = model256('7', 256);
  const kQuantized = new Set<string>();
  const gguf = writeGguf(ggufOf(base, mixedTypes(kQuantized)));
  expect(kQuantized.size).toBeGreaterThan(0);

  const events: EngineEvent[] = [];
  const onGpu = await logitsOf(new File([gguf.slice()], 'mixed.gguf'), 'webgpu', events);
  const warnings = events.filter((event) => event.phase === 'warning');
  expect(warnings.map((event) => event.phase === 'warning' && event.code)).toEqual(['weights-converted']);
  expect(warnings[0].phase === 'warning' && warnings[0].message).toMatch(/^Q4_K, Q6_K weights are held as f16/);

  const exact: CanonicalModel = await loadCanonicalModel(gguf);
  const asOnGpu: CanonicalModel = {
    spec: exact.spec,
    tensors: new Map(
      [...exact.tensors].map(([name, tensor]) => [
        name,
        kQuantized.has(name) ? { ...tensor, data: decodeF16(encodeF16(tensor.data)) } : tensor,
      ]),
    ),
  };
  const onCpu = await logitsOf(modelBytes(asOnGpu), 'cpu');
  const exactOnCpu = await logitsOf(gguf, 'cpu');
  const difference = maxAbs(onGpu, onCpu);
  console.log(
    `GGUF Q8_0 + Q4_K + Q6_K on WebGPU: max-abs ${difference.toExponential(2)} vs the CPU on the same values, ` +
      `${maxAbs(onGpu, exactOnCpu).toExponential(2)} vs the exact K-quant values (logits up to ` +
      `${Math.max(...exactOnCpu.map(Math.abs)).toFixed(2)})`,
  );
  expect(difference).toBeLessThanOrEqual(1e-3);
});

describeWithFixtures('rwkv.cpp fixtures as GGUF on WebGPU', () => {
  test.each([
    ['6v0-3m', 'Q5_1', 1],
    ['7v0-834K', 'Q8_0', 2],
  ])('%s %s in %i file(s) through the model store: the reference logits within 1e-3', async (model, format, parts) => {
    const bin = await fetchFixture('rwkv-cpp', `tiny-rwkv-${model}-${format}.bin`);
    const file = ggufOf(await loadCanonicalModel(bin), await binBlocks(bin));
    const files =
      parts === 1
        ? [new File([writeGguf(file).slice()], 'fixture.gguf')]
        : writeSplitGguf(file, parts).map(
            (part, i) => new File([part.slice()], `fixture-0000${i + 1}-of-0000${parts}.gguf`),
          );
    const reference = await fetchFixture('reference-logits', `in-${model}-${format}.dequantized.logits`);
    const last = new Float32Array(reference.buffer, reference.byteOffset + 2 * 256 * 4, 256);
    const logits = await logitsOf(parts === 1 ? files[0] : files, 'webgpu', [], REFERENCE_PROMPT);
    const difference = maxAbs(logits, last);
    console.log(`${model} ${format} as GGUF in ${parts} file(s) on WebGPU: max-abs ${difference.toExponential(2)}`);
    expect(difference).toBeLessThanOrEqual(1e-3);
  });
});
