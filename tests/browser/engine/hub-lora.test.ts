/**
 * Hugging Face folders and LoRA adapters on WebGPU, in headless Chromium, through createEngine and the model store:
 * the 7v0 fixture converted as fla writes it and split into 2 shards with their index, given as Files, gives
 * rwkv.cpp's reference logits within 1e-3 at every position of `"in`; a base with two LoRA adapters (Files) gives
 * the logits of the merged checkpoint written directly within 1e-3.
 */
import { expect, test } from 'vitest';
import { createEngine } from '../../../src/engine/engine.js';
import type { Engine } from '../../../src/engine/engine.js';
import { loadCanonicalModel } from '../../../src/formats/load.js';
import { bytesOf, tinyModel } from '../../engine/helpers.js';
import { hubTensors } from '../../helpers/write-hub.js';
import { loraPair, mergedDirectly } from '../../helpers/write-lora.js';
import type { TestAdapter } from '../../helpers/write-lora.js';
import { officialTensors } from '../../helpers/write-pth.js';
import { writeSafetensors } from '../../helpers/write-safetensors.js';
import { writeShards } from '../../helpers/write-shards.js';
import { describeWithFixtures, fetchFixture, REFERENCE_PROMPT } from '../fixtures.js';

const file = (bytes: Uint8Array, name: string) => new File([bytes as Uint8Array<ArrayBuffer>], name);

async function logitsAfter(engine: Engine, tokens: number[]): Promise<Float32Array> {
  const session = await engine.createSession();
  const rows = new Float32Array(tokens.length * engine.info.nVocab);
  for (const [i, token] of tokens.entries()) {
    await session.prefill([token]);
    rows.set(await session.logits(), i * engine.info.nVocab);
  }
  return rows;
}

function maxAbs(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  return a.reduce((worst, value, i) => Math.max(worst, Math.abs(value - b[i])), 0);
}

describeWithFixtures('a Hugging Face folder on WebGPU', () => {
  test('fla shards + index of the 7v0 fixture give the reference logits within 1e-3', async () => {
    const bin = await loadCanonicalModel(await fetchFixture('rwkv-cpp', 'tiny-rwkv-7v0-834K-FP32.bin'));
    const expected = new Float32Array((await fetchFixture('reference-logits', 'in-7v0-834K-FP32.logits')).buffer);
    const shards = writeShards(hubTensors(officialTensors(bin), '7'), 2);
    const engine = await createEngine({
      model: [
        file(new TextEncoder().encode(shards.index), 'model.safetensors.index.json'),
        ...shards.files.map(({ name, bytes }) => file(bytes, name)),
      ],
      backend: 'webgpu',
      worker: false,
    });
    expect(engine.info.backend).toBe('webgpu');
    const difference = maxAbs(await logitsAfter(engine, bytesOf(REFERENCE_PROMPT)), expected);
    console.log(`7v0 as 2 fla safetensors shards on WebGPU: max-abs ${difference.toExponential(2)}`);
    expect(difference).toBeLessThanOrEqual(1e-3);
    await engine.dispose();
  });
});

test('LoRA adapters merged at load on WebGPU equal the merged checkpoint written directly', async () => {
  const base = officialTensors(tinyModel('7', 5));
  const matrix = (name: string) => base.find((tensor) => tensor.name === name)!;
  const adapters: TestAdapter[] = [
    {
      tensors: [...loraPair(matrix('blocks.0.att.key.weight'), 4, 3), ...loraPair(matrix('head.weight'), 4, 9)],
      alpha: 8,
    },
    { tensors: loraPair(matrix('blocks.1.ffn.value.weight'), 2, 7), weight: 0.5 },
  ];
  const lora = [
    { adapter: file(writeSafetensors(adapters[0].tensors), 'a.safetensors'), alpha: 8 },
    { adapter: file(writeSafetensors(adapters[1].tensors), 'b.safetensors'), weight: 0.5 },
  ];
  const tokens = bytesOf('LoRA!');
  const options = { backend: 'webgpu', worker: false } as const;
  const merged = await createEngine({ model: file(writeSafetensors(base), 'base.safetensors'), lora, ...options });
  const direct = await createEngine({ model: writeSafetensors(mergedDirectly(base, adapters)), ...options });
  expect(merged.info.backend).toBe('webgpu');
  const difference = maxAbs(await logitsAfter(merged, tokens), await logitsAfter(direct, tokens));
  console.log(`LoRA on WebGPU: max-abs ${difference.toExponential(2)} vs the merged file`);
  expect(difference).toBeLessThanOrEqual(1e-3);
  await Promise.all([merged.dispose(), direct.dispose()]);
});
