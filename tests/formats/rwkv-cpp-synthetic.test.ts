/**
 * Synthetic models of every generation (src/generations/synthetic.ts, built independently from the canonical-model
 * document) written as `.bin` files and read back: the inferred spec equals the generator's, values survive
 * exactly (FP32) or as their f16 rounding (FP16), from whole buffers and from streams.
 */
import { describe, expect, test } from 'vitest';
import { f16BitsToF32, f32ToF16Bits } from '../../src/numeric/half.js';
import { loadCanonicalModel } from '../../src/formats/load.js';
import { openRwkvCpp } from '../../src/formats/rwkv-cpp/reader.js';
import { streamRwkvCpp } from '../../src/formats/rwkv-cpp/stream.js';
import { tensorValues } from '../../src/formats/tensor-stream.js';
import { writeRwkvCpp } from '../../src/formats/rwkv-cpp/writer.js';
import { GENERATIONS } from '../../src/model/spec.js';
import { assembleCanonicalModel } from '../../src/generations/tensor-set.js';
import { chunked, expectSameBits, headerOf, modelFile, modelRecords, smallModel } from './helpers.js';

describe.each(GENERATIONS)('v%s', (generation) => {
  const model = smallModel(generation);

  test('the canonical tensors of the generator assemble with the generator’s spec', () => {
    const assembled = assembleCanonicalModel(model.tensors.values());
    expect(assembled.spec).toEqual(model.spec);
    expect([...assembled.tensors.keys()].sort()).toEqual([...model.tensors.keys()].sort());
  });

  test('FP32 file: spec and values exactly', async () => {
    const loaded = await loadCanonicalModel(modelFile(model, 'f32'));
    expect(loaded.spec).toEqual(model.spec);
    for (const [name, tensor] of model.tensors) {
      const read = loaded.tensors.get(name)!;
      expect(read.sourceType).toBe('f32');
      expect(read.shape.filter((d) => d !== 1)).toEqual(tensor.shape.filter((d) => d !== 1));
      expectSameBits(read.data, tensor.data, name);
    }
  });

  test.each([1, 7, 4096])('FP16 file streamed in %i-byte chunks: matrices rounded to f16', async (chunkSize) => {
    const loaded = await loadCanonicalModel(chunked(modelFile(model, 'f16'), chunkSize));
    expect(loaded.spec).toEqual({ ...model.spec, weightType: 'f16' });
    for (const [name, tensor] of model.tensors) {
      const read = loaded.tensors.get(name)!;
      const matrix = tensor.shape.length === 2;
      expect(read.sourceType).toBe(matrix ? 'f16' : 'f32');
      const expected = matrix ? tensor.data.map((v) => f16BitsToF32(f32ToF16Bits(v))) : tensor.data;
      expectSameBits(read.data, expected, name);
    }
  });
});

test('a one-layer v7 model has no value-residual LoRA', async () => {
  const model = smallModel('7', 1);
  const loaded = await loadCanonicalModel(modelFile(model, 'f32'));
  expect(loaded.spec.lora).toEqual({ decay: 32, iclr: 32, gate: 64 });
  expect(loaded.tensors.has('blocks.0.att.v1')).toBe(false);
});

test('rwkv.cpp-style unsqueezed dims ([H, 1, 1] decays, [1, C] mixes) read as canonical shapes', async () => {
  const model = smallModel('5.1');
  const records = modelRecords(model, 'f32').map((record) =>
    record.name.endsWith('time_decay') || record.name.endsWith('time_first')
      ? { ...record, dims: [1, 1, ...record.dims] }
      : record.name.endsWith('time_mix_k')
        ? { ...record, dims: [...record.dims, 1] }
        : record,
  );
  const loaded = await loadCanonicalModel(writeRwkvCpp(headerOf(model, 'f32'), records));
  expect(loaded.spec).toEqual(model.spec);
  expect(loaded.tensors.get('blocks.1.att.time_decay')!.shape).toEqual([2]);
  expect(loaded.tensors.get('blocks.1.att.time_mix_k')!.shape).toEqual([64]);
});

test('streamed tensors come in file order with file shapes', async () => {
  const model = smallModel('6');
  const file = await openRwkvCpp(modelFile(model, 'f32'));
  expect(file.header).toEqual({ version: 101, nVocab: 40, nEmbed: 64, nLayer: 2, dataType: 'f32' });
  const stream = await streamRwkvCpp(chunked(modelFile(model, 'f32'), 100));
  const names: string[] = [];
  await stream.forEachTensor(async (tensor) => {
    names.push(tensor.name);
    expect(tensor.shape).toEqual(model.tensors.get(tensor.name)!.shape);
    expect(await tensorValues(tensor)).toEqual(model.tensors.get(tensor.name)!.data);
  });
  expect(names).toEqual([...model.tensors.keys()]);
  await expect(stream.forEachTensor(() => undefined)).rejects.toThrow(/only once/);
});
