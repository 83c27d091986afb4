/**
 * LoRA adapters merged at load: an RWKV-PEFT adapter (lora_A/lora_B pairs and trained tensors that replace the
 * base's) gives the canonical weights and the logits of the merged checkpoint written directly; several adapters add
 * up with their alpha and weight; the merge works on official and Hugging Face bases and on shards; what does not
 * fit the base is a ModelFormatError naming it, before any tensor data is read.
 */
import { describe, expect, it } from 'vitest';
import { openModelStream } from '../../src/formats/load.js';
import type { AdapterFile } from '../../src/formats/load.js';
import { memorySource } from '../../src/formats/random-access.js';
import { collectModel } from '../../src/formats/tensor-stream.js';
import { createState } from '../../src/generations/state.js';
import type { CanonicalModel } from '../../src/model/spec.js';
import { createReferenceModel } from '../../src/reference/model.js';
import { hubTensors } from '../helpers/write-hub.js';
import { loraPair, mergedDirectly, values } from '../helpers/write-lora.js';
import type { TestAdapter } from '../helpers/write-lora.js';
import { officialTensors, writePth } from '../helpers/write-pth.js';
import type { OfficialTensor } from '../helpers/write-pth.js';
import { writeSafetensors } from '../helpers/write-safetensors.js';
import { writeShards } from '../helpers/write-shards.js';
import { maxAbsDiff } from '../reference/helpers.js';
import { expectFormatError, modelFile, smallModel } from './helpers.js';

const TOKENS = [1, 7, 3, 30, 12];

function adapterFiles(adapters: readonly TestAdapter[]): AdapterFile[] {
  return adapters.map((adapter, i) => ({
    source: memorySource(i % 2 === 0 ? writePth(adapter.tensors) : writeSafetensors(adapter.tensors)),
    alpha: adapter.alpha,
    weight: adapter.weight,
    label: `adapter ${i + 1}`,
  }));
}

async function load(bytes: Uint8Array, adapters: readonly TestAdapter[] = []): Promise<CanonicalModel> {
  return collectModel(await openModelStream(bytes, { adapters: adapterFiles(adapters) }));
}

function logitsOf(model: CanonicalModel): Float32Array {
  return createReferenceModel(model).forward(TOKENS, createState(model.spec), { allLogits: true });
}

function expectSameModel(actual: CanonicalModel, expected: CanonicalModel): void {
  expect([...actual.tensors.keys()].sort()).toEqual([...expected.tensors.keys()].sort());
  for (const [name, tensor] of expected.tensors) {
    expect(maxAbsDiff(actual.tensors.get(name)!.data, tensor.data), name).toBeLessThanOrEqual(1e-6);
  }
  expect(maxAbsDiff(logitsOf(actual), logitsOf(expected))).toBeLessThanOrEqual(1e-5);
}

function tensor(tensors: readonly OfficialTensor[], name: string): OfficialTensor {
  return tensors.find((candidate) => candidate.name === name)!;
}

describe.each(['6', '7'] as const)('LoRA merge into a v%s checkpoint', (generation) => {
  const base = officialTensors(smallModel(generation));
  const c = smallModel(generation).spec.nEmbed;
  const first: TestAdapter = {
    tensors: [
      ...loraPair(tensor(base, 'blocks.0.att.key.weight'), 4, 11),
      ...loraPair(tensor(base, 'blocks.1.ffn.value.weight'), 4, 13),
      ...loraPair(tensor(base, 'head.weight'), 8, 17),
      { name: 'blocks.1.ln1.weight', shape: [c], data: values(c, 19, 1) },
    ],
    alpha: 16,
  };
  const second: TestAdapter = {
    tensors: [
      ...loraPair(tensor(base, 'blocks.0.att.key.weight'), 2, 23),
      ...loraPair(tensor(base, 'blocks.0.att.output.weight'), 2, 29),
      { name: 'ln_out.bias', shape: [c], data: values(c, 31, 0.5) },
    ],
    weight: 0.5,
  };
  const mixName = generation === '7' ? 'blocks.1.att.x_k' : 'blocks.1.att.time_maa_k';
  const third: TestAdapter = {
    tensors: [
      ...loraPair(tensor(base, 'blocks.1.att.receptance.weight'), 3, 37),
      { name: mixName, shape: [1, 1, c], data: values(c, 41, 0.5) },
    ],
    alpha: 6,
    weight: -1.25,
  };

  it('one adapter equals the merged checkpoint written directly, and changes the logits', async () => {
    const merged = await load(writeSafetensors(base), [first]);
    expectSameModel(merged, await load(writeSafetensors(mergedDirectly(base, [first]))));
    expect(maxAbsDiff(logitsOf(merged), logitsOf(await load(writeSafetensors(base))))).toBeGreaterThan(1e-3);
  });

  it('several adapters add up with their alpha and weight, and vectors replace the base ones', async () => {
    const adapters = [first, second, third];
    const merged = await load(writePth(base), adapters);
    expectSameModel(merged, await load(writePth(mergedDirectly(base, adapters))));
  });

  it('merges into a Hugging Face conversion and into shards alike', async () => {
    const expected = await load(writeSafetensors(mergedDirectly(base, [first, third])));
    expectSameModel(await load(writeSafetensors(hubTensors(base, generation)), [first, third]), expected);
    const written = writeShards(base, 3);
    const set = {
      shards: written.files.map(({ name, bytes }) => ({ name, source: memorySource(bytes) })),
      index: written.index,
    };
    expectSameModel(
      await collectModel(await openModelStream(set, { adapters: adapterFiles([first, third]) })),
      expected,
    );
  });
});

describe('LoRA adapters that do not fit', () => {
  const base = officialTensors(smallModel('7'));
  const key = tensor(base, 'blocks.0.att.key.weight');
  const [a, b] = loraPair(key, 4, 5);
  const bytes = writeSafetensors(base);
  const refusals: [string, OfficialTensor[], RegExp][] = [
    [
      'a tensor the base lacks',
      [{ name: 'blocks.9.ln1.weight', shape: [64], data: values(64, 1, 1) }],
      /'blocks\.9\.ln1\.weight' is not in the base model/,
    ],
    [
      'a replacement of another shape',
      [{ name: 'blocks.0.ln1.weight', shape: [32], data: values(32, 1, 1) }],
      /has shape \[32\], the base model's \[64\]/,
    ],
    ['lora_A without lora_B', [a], /'blocks\.0\.att\.key\.lora_B' is missing/],
    [
      'a pair for no matrix',
      [
        { ...a, name: 'blocks.0.att.nothing.lora_A' },
        { ...b, name: 'blocks.0.att.nothing.lora_B' },
      ],
      /has no matrix 'blocks\.0\.att\.nothing\.weight'/,
    ],
    [
      'a pair of the wrong shapes',
      [a, { ...b, shape: [64, 3], data: b.data.slice(0, 192) }],
      /do not fit 'blocks\.0\.att\.key\.weight' \[64,64\]/,
    ],
  ];
  it.each(refusals)('refuses %s', async (_, tensors, pattern) => {
    await expectFormatError(load(bytes, [{ tensors }]), pattern);
  });

  it('refuses two adapters replacing the same tensor, a .bin base, and a bad alpha', async () => {
    const vector: OfficialTensor = { name: 'ln_out.weight', shape: [64], data: values(64, 3, 1) };
    await expectFormatError(
      load(bytes, [{ tensors: [vector] }, { tensors: [vector] }]),
      /adapters adapter 1 and adapter 2 both replace 'ln_out\.weight'/,
    );
    await expectFormatError(load(modelFile(smallModel('7'), 'f32'), [{ tensors: [a, b] }]), /not into rwkv\.cpp \.bin/);
    await expect(load(bytes, [{ tensors: [a, b], alpha: 0 }])).rejects.toThrow(/alpha must be positive/);
    await expect(load(bytes, [{ tensors: [a, b], weight: Number.NaN }])).rejects.toThrow(RangeError);
  });
});
