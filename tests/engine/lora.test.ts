/**
 * createEngine({ lora }): adapters merged at load give the logits of the merged checkpoint written directly, and the
 * merged model its own identity (so saved sessions and the prefix cache never mix it with the base); bad options
 * are TypeErrors before anything loads.
 */
import { describe, expect, test } from 'vitest';
import { createEngine } from '../../src/engine/engine.js';
import type { EngineOptions } from '../../src/engine/engine.js';
import { ModelFormatError } from '../../src/errors.js';
import { loraPair, mergedDirectly } from '../helpers/write-lora.js';
import type { TestAdapter } from '../helpers/write-lora.js';
import { officialTensors, writePth } from '../helpers/write-pth.js';
import { writeSafetensors } from '../helpers/write-safetensors.js';
import { maxAbsDiff } from '../reference/helpers.js';
import { bytesOf, modelBytes, tinyModel } from './helpers.js';

const model = tinyModel('6');
const base = officialTensors(model);
const matrix = (name: string) => base.find((tensor) => tensor.name === name)!;
const adapters: TestAdapter[] = [
  {
    tensors: [...loraPair(matrix('blocks.0.att.value.weight'), 4, 3), ...loraPair(matrix('head.weight'), 4, 5)],
    alpha: 8,
  },
  { tensors: loraPair(matrix('blocks.1.ffn.key.weight'), 2, 7), weight: 0.75 },
];

async function run(options: Partial<EngineOptions> & Pick<EngineOptions, 'model'>) {
  const engine = await createEngine({ backend: 'cpu', worker: false, ...options });
  const session = await engine.createSession();
  await session.prefill(bytesOf('LoRA'));
  const result = { logits: await session.logits(), modelId: engine.info.modelId };
  await engine.dispose();
  return result;
}

describe('createEngine with LoRA adapters', () => {
  test('merges at load: the logits of the merged file, an identity of its own', async () => {
    const merged = await run({
      model: new File([writeSafetensors(base).slice()], 'model.safetensors'),
      lora: [
        { adapter: new File([writePth(adapters[0].tensors).slice()], 'adapter-a.pth'), alpha: 8 },
        { adapter: writeSafetensors(adapters[1].tensors), weight: 0.75 },
      ],
    });
    const direct = await run({ model: writeSafetensors(mergedDirectly(base, adapters)) });
    const plain = await run({ model: writeSafetensors(base) });
    expect(maxAbsDiff(merged.logits, direct.logits)).toBeLessThanOrEqual(1e-5);
    expect(maxAbsDiff(merged.logits, plain.logits)).toBeGreaterThan(1e-3);
    expect(merged.modelId).not.toBe(plain.modelId);
  });

  test('refuses bad options and a .bin base', async () => {
    const model = writeSafetensors(base);
    await expect(run({ model, lora: [{} as never] })).rejects.toThrow(/lora\[0\] needs \{ adapter \}/);
    await expect(run({ model, lora: [{ adapter: model, alpha: Number.POSITIVE_INFINITY }] })).rejects.toThrow(
      /lora\[0\]\.alpha must be a finite number/,
    );
    const error = await run({
      model: modelBytes(tinyModel('6')),
      lora: [{ adapter: writePth(adapters[1].tensors) }],
    }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(ModelFormatError);
    expect((error as Error).message).toMatch(/LoRA adapters merge into .* not into rwkv\.cpp \.bin/);
  });
});
