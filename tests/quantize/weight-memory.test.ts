/**
 * GPU weight memory of the benchmark's synthetic RWKV-7 1.5B shape (L 24, C 2048, vocabulary 65536), by accounting:
 * every tensor of the shape (expectedTensorShapes), its format under each load-time quantization
 * (loadTimeBlockType; other linear weights f16, vectors f32) and the bytes the uploader allocates for it
 * (planMatrixParts / matrixPartBytes under the default 128 MiB binding limit). Uploading it takes minutes on
 * SwiftShader; `npm run bench` uploads it on a real GPU and reports the allocated bytes.
 */
import { expect, test } from 'vitest';
import { BENCH_MODELS, BENCH_VOCAB } from '../../src/bench/report.js';
import { syntheticModelSpec } from '../../src/generations/synthetic.js';
import { expectedTensorShapes } from '../../src/generations/tensor-set.js';
import { isLinearWeight } from '../../src/generations/weight-class.js';
import { matrixPartBytes, planMatrixParts, type WeightFormat } from '../../src/gpu/matrix-layout.js';
import { loadTimeBlockType, type WeightQuantization } from '../../src/quantize/load-time-formats.js';

const DEFAULT_BINDING_BYTES = 128 * 2 ** 20;
const shape = BENCH_MODELS.find((model) => model.name === 'v7-1.5b')!;
const spec = syntheticModelSpec({
  generation: '7',
  nLayer: shape.nLayer,
  nEmbed: shape.nEmbed,
  headSize: 64,
  nFfn: 4 * shape.nEmbed,
  nVocab: BENCH_VOCAB,
  lora: shape.lora,
  seed: 1,
});

function weightBytes(quantize: WeightQuantization): { bytes: number; linearValues: number } {
  let bytes = 0;
  let linearValues = 0;
  for (const [name, dims] of expectedTensorShapes(spec)) {
    const values = dims.reduce((product, dim) => product * dim, 1);
    if (!isLinearWeight(name)) {
      bytes += values * 4;
      continue;
    }
    const columns = dims[dims.length - 1];
    const rows = values / columns;
    const format: WeightFormat = loadTimeBlockType(name, columns, 'f32', { quantize }) ?? 'f16';
    for (const part of planMatrixParts(format, rows, columns, DEFAULT_BINDING_BYTES)) {
      bytes += matrixPartBytes(format, part.rowCount, columns);
    }
    linearValues += values;
  }
  return { bytes, linearValues };
}

test('RWKV-7 1.5B quantized q4 at load takes under 1.1 GB of GPU weight memory', () => {
  const sizes = (['none', 'q8', 'q4'] as const).map((quantize) => ({ quantize, ...weightBytes(quantize) }));
  for (const { quantize, bytes, linearValues } of sizes) {
    const label = quantize === 'none' ? 'f16' : quantize;
    console.log(
      `v7-1.5b ${label}: ${(bytes / 1e9).toFixed(3)} GB (${(bytes / 2 ** 20).toFixed(0)} MiB), ` +
        `${(bytes / linearValues).toFixed(4)} bytes per linear weight`,
    );
  }
  const [f16, q8, q4] = sizes.map((size) => size.bytes);
  expect(q4).toBeLessThanOrEqual(1.1e9);
  // Q8_0 is 1.0625 bytes per weight, Q4_1 0.625 (its head and embedding Q8_0): against f16's 2.
  expect(q8 / f16).toBeLessThan(0.55);
  expect(q4 / f16).toBeLessThan(0.42);
});
