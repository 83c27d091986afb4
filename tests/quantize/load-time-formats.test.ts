/**
 * The load-time quantization policy: which linear weights become which blocks, which stay in f16, and that nothing
 * already quantized or not a linear weight is touched.
 */
import { expect, test } from 'vitest';
import { GENERATION_MODULES } from '../../src/generations/registry.js';
import { weightClass } from '../../src/generations/weight-class.js';
import { loadTimeBlockType } from '../../src/quantize/load-time-formats.js';

test('q8 writes Q8_0 into every class of linear weight; q4 writes Q4_1, and Q8_0 into the embedding and head', () => {
  const names = ['blocks.3.att.key.weight', 'blocks.0.att.w1', 'emb.weight', 'head.weight'];
  expect(names.map((name) => weightClass(name))).toEqual(['matrix', 'lora', 'embedding', 'head']);
  expect(names.map((name) => loadTimeBlockType(name, 64, 'f32', { quantize: 'q8' }))).toEqual([
    'q8_0',
    'q8_0',
    'q8_0',
    'q8_0',
  ]);
  expect(names.map((name) => loadTimeBlockType(name, 64, 'bf16', { quantize: 'q4' }))).toEqual([
    'q4_1',
    'q4_1',
    'q8_0',
    'q8_0',
  ]);
});

test("'none', quantized sources, vectors and rows that are not whole blocks are not quantized", () => {
  expect(loadTimeBlockType('blocks.0.ffn.key.weight', 64, 'f16', { quantize: 'none' })).toBeUndefined();
  expect(loadTimeBlockType('blocks.0.ffn.key.weight', 64, 'q5_1', { quantize: 'q4' })).toBeUndefined();
  expect(loadTimeBlockType('blocks.0.ffn.key.weight', 64, 'q8_0', { quantize: 'q8' })).toBeUndefined();
  expect(loadTimeBlockType('blocks.0.att.time_decay', 64, 'f32', { quantize: 'q8' })).toBeUndefined();
  expect(loadTimeBlockType('blocks.0.att.w2', 48, 'f32', { quantize: 'q8' })).toBeUndefined();
});

test('head: false and embedding: false keep those two in f16', () => {
  const options = { quantize: 'q4', head: false, embedding: false } as const;
  expect(loadTimeBlockType('head.weight', 64, 'f16', options)).toBeUndefined();
  expect(loadTimeBlockType('emb.weight', 64, 'f16', options)).toBeUndefined();
  expect(loadTimeBlockType('blocks.0.att.output.weight', 64, 'f16', options)).toBe('q4_1');
});

test("every generation's LoRA projections are among its matrices", () => {
  for (const module of Object.values(GENERATION_MODULES)) {
    for (const suffix of module.upload.lora) expect(module.upload.matrices).toContain(suffix);
  }
  expect(GENERATION_MODULES['7'].upload.lora.length).toBeGreaterThan(0);
});
