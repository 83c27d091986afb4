/**
 * The oracle's quantize-then-dequantize mode: every linear weight holds what the GPU holds after a load-time
 * quantization (the decoded blocks of load-time-formats.ts's choice, or its f16 rounding), every other tensor and
 * every block read from a quantized file is untouched.
 */
import { expect, test } from 'vitest';
import { dequantize } from '../../src/formats/quantized.js';
import { createSyntheticModel } from '../../src/generations/synthetic.js';
import { roundToF16 } from '../../src/gpu/matrix-layout.js';
import { quantizeBlocks } from '../../src/formats/quantize-blocks.js';
import { quantizedAsLoaded } from '../../src/quantize/oracle-weights.js';

// LoRA widths 12 / 10 / 6 / 20: the up-projections' rows are not whole blocks and stay in f16.
const model = createSyntheticModel({
  generation: '7',
  nLayer: 2,
  nEmbed: 64,
  nFfn: 128,
  nVocab: 96,
  lora: { decay: 12, iclr: 10, valueResidual: 6, gate: 20 },
  seed: 5,
});

test.each(['q8', 'q4'] as const)('%s: each tensor as the GPU holds it', (quantize) => {
  const loaded = quantizedAsLoaded(model, { quantize });
  const expected = (name: string, type: 'q8_0' | 'q4_1') =>
    dequantize(type, quantizeBlocks(type, model.tensors.get(name)!.data, name));
  const matrixType = quantize === 'q8' ? 'q8_0' : 'q4_1';
  const data = (name: string) => loaded.tensors.get(name)!.data;
  expect(data('blocks.1.ffn.key.weight')).toEqual(expected('blocks.1.ffn.key.weight', matrixType));
  expect(data('blocks.0.att.w1')).toEqual(expected('blocks.0.att.w1', matrixType));
  expect(data('emb.weight')).toEqual(expected('emb.weight', 'q8_0'));
  expect(data('head.weight')).toEqual(expected('head.weight', 'q8_0'));
  expect(data('blocks.0.att.w2')).toEqual(roundToF16(model.tensors.get('blocks.0.att.w2')!.data));
  expect(data('blocks.1.att.w0')).toBe(model.tensors.get('blocks.1.att.w0')!.data);
  expect(data('blocks.1.ffn.key.weight')).not.toEqual(model.tensors.get('blocks.1.ffn.key.weight')!.data);
  expect(loaded.spec).toBe(model.spec);
});

test('blocks read from a quantized file are kept as read; head: false keeps the head in f16', () => {
  const name = 'blocks.0.att.key.weight';
  const tensors = new Map(model.tensors);
  tensors.set(name, { ...model.tensors.get(name)!, sourceType: 'q5_1' });
  const loaded = quantizedAsLoaded({ spec: model.spec, tensors }, { quantize: 'q4', head: false });
  expect(loaded.tensors.get(name)!.data).toBe(model.tensors.get(name)!.data);
  expect(loaded.tensors.get('head.weight')!.data).toEqual(roundToF16(model.tensors.get('head.weight')!.data));
});

test("quantize 'none' is refused (the model as read is its own oracle)", () => {
  expect(() => quantizedAsLoaded(model, { quantize: 'none' })).toThrow(RangeError);
});
