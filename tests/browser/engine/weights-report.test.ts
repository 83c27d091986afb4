/**
 * `engine.info.weights` on WebGPU: per class of tensor, the GPU format, the bytes allocated and the values held.
 * Quantized weights take at most 1.1 × their payload (Q8_0 1.0625 bytes per weight, Q4_1 0.625, Q4_0 0.5625, …):
 * a seeded v7 model whose every width is a multiple of 32 (so that every linear weight is quantized), loaded with
 * `quantize` 'q8' and 'q4' (each class in the block type src/quantize/load-time-formats.ts gives it; the head and
 * embedding kept in f16 when asked; the up-front GPU memory estimate within −20 % / +25 % of what was allocated),
 * and the rwkv.cpp Q8_0 / Q4_0 fixtures loaded as they are (blocks stay blocks).
 */
import { describe, expect, it } from 'vitest';
import { estimateGpuMemory } from '../../../src/backend/gpu-memory.js';
import { createEngine, type EngineOptions } from '../../../src/engine/engine.js';
import { QUANT_BLOCK_BYTES, QUANT_BLOCK_VALUES, isQuantizedType } from '../../../src/formats/quantized.js';
import { createSyntheticModel } from '../../../src/generations/synthetic.js';
import type { SourceType } from '../../../src/model/spec.js';
import { LOAD_TIME_BLOCK_TYPES } from '../../../src/quantize/load-time-formats.js';
import type { WeightClassReport, WeightsReport } from '../../../src/runtime/weights-report.js';
import { modelBytes } from '../../engine/helpers.js';
import { describeWithFixtures, fetchFixture } from '../fixtures.js';

const BLOCK_WIDTHS = createSyntheticModel({
  generation: '7',
  nLayer: 2,
  nEmbed: 64,
  headSize: 32,
  nFfn: 128,
  nVocab: 256,
  lora: { decay: 32, iclr: 32, valueResidual: 32, gate: 32 },
  seed: 3,
});

/** Bytes per weight of a format's payload (the file's bytes for blocks). */
function payloadPerWeight(format: SourceType): number {
  if (isQuantizedType(format)) return QUANT_BLOCK_BYTES[format] / QUANT_BLOCK_VALUES;
  return format === 'f16' ? 2 : 4;
}

async function weightsOf(model: Uint8Array, options: Partial<EngineOptions> = {}): Promise<WeightsReport> {
  const engine = await createEngine({ model, backend: 'webgpu', worker: false, maxSessions: 1, ...options });
  try {
    expect(engine.info.weights).toBeDefined();
    return engine.info.weights!;
  } finally {
    await engine.dispose();
  }
}

/** Asserts a class of one format takes between its payload and 1.1 × its payload. */
function expectPayload(name: string, report: WeightClassReport, format: SourceType): void {
  expect(report.formats, name).toEqual([format]);
  const payload = report.values * payloadPerWeight(format);
  console.log(`${name}: ${format}, ${(report.bytes / report.values).toFixed(4)} bytes per weight`);
  expect(report.bytes, name).toBeGreaterThanOrEqual(payload);
  expect(report.bytes, name).toBeLessThanOrEqual(1.1 * payload);
}

function expectTotal(report: WeightsReport): void {
  const classes = [report.head, report.embedding, report.matrices, report.lora, report.vectors];
  expect(report.totalBytes).toBe(classes.reduce((sum, entry) => sum + entry.bytes, 0));
  expect(report.vectors.formats).toEqual(['f32']);
}

describe('engine.info.weights', () => {
  const file = modelBytes(BLOCK_WIDTHS);

  it('reports f32 weights of an FP32 file loaded as it is', async () => {
    const report = await weightsOf(file);
    for (const key of ['head', 'embedding', 'matrices', 'lora'] as const) expectPayload(key, report[key], 'f32');
    expectTotal(report);
  });

  it.each(['q8', 'q4'] as const)(
    "quantize '%s': each class in the load-time policy's block type, within 1.1 × its payload",
    async (quantize) => {
      const report = await weightsOf(file, { quantize });
      const types = LOAD_TIME_BLOCK_TYPES[quantize];
      expectPayload('head', report.head, types.head);
      expectPayload('embedding', report.embedding, types.embedding);
      expectPayload('matrices', report.matrices, types.matrix);
      expectPayload('lora', report.lora, types.lora);
      expectTotal(report);
      // The up-front reservation (src/backend/gpu-memory.ts) counts the quantized sizes, not the file's f32 ones.
      const { nVocab, nEmbed, nLayer } = BLOCK_WIDTHS.spec;
      const stream = { bytes: file.length, nVocab, declaredShape: { nEmbed, nLayer }, weightType: 'f32' as const };
      const sizes = { maxSessions: 1, chunkSize: 64, quantization: { quantize } };
      const estimate = estimateGpuMemory(stream, sizes, 1 << 27).weights;
      console.log(`${quantize}: estimated ${estimate} bytes of weights, allocated ${report.totalBytes}`);
      expect(estimate).toBeGreaterThan(0.8 * report.totalBytes);
      expect(estimate).toBeLessThan(1.25 * report.totalBytes);
    },
  );

  it('quantizeHead / quantizeEmbedding false keep those in f16', async () => {
    const report = await weightsOf(file, { quantize: 'q4', quantizeHead: false, quantizeEmbedding: false });
    expectPayload('head', report.head, 'f16');
    expectPayload('embedding', report.embedding, 'f16');
    expectPayload('matrices', report.matrices, LOAD_TIME_BLOCK_TYPES.q4.matrix);
    expectTotal(report);
  });

  it('refuses an unknown quantize', async () => {
    await expect(weightsOf(file, { quantize: 'q3' as 'q4' })).rejects.toThrow(/quantize must be one of none, q8, q4/);
  });
});

describeWithFixtures('engine.info.weights of rwkv.cpp quantized files', () => {
  it.each([
    ['Q8_0', 'q8_0'],
    ['Q4_0', 'q4_0'],
  ] as const)('%s blocks stay blocks, within 1.1 × their payload', async (format, gpuFormat) => {
    const report = await weightsOf(await fetchFixture('rwkv-cpp', `tiny-rwkv-7v0-834K-${format}.bin`));
    expectPayload('matrices', report.matrices, gpuFormat);
    expect(report.head.formats).toEqual(['f16']);
    expectTotal(report);
  });
});
