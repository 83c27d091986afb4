/**
 * Load-time quantization on the GPU (`quantization: { quantize: 'q8' | 'q4' }`): a seeded v7 model (vocabulary 301,
 * FFN 132 wide and LoRA widths under 32, so that some matrices stay f16 beside the blocks) gives the logits of the
 * CPU oracle run on the same quantized values (src/quantize/oracle-weights.ts) within 1e-3, in a prefill chunk
 * (matmat) and token by token (matvec); the head can be kept in f16.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { quantizedAsLoaded } from '../../../src/quantize/oracle-weights.js';
import type { LoadTimeQuantization } from '../../../src/quantize/load-time-formats.js';
import { createGpuModel, type GpuModel } from '../../../src/runtime/model.js';
import { gpu } from '../gpu-harness.js';
import { expectLogitsClose, gpuChunked, gpuSerial, oracleRun, randomTokens, syntheticModel } from './helpers.js';

const TOKENS = randomTokens(7, 301, 5);
const TOLERANCE = 1e-3;

const CASES: { label: string; quantization: LoadTimeQuantization; head: string; matrices: string }[] = [
  { label: 'q8', quantization: { quantize: 'q8' }, head: 'q8_0', matrices: 'q8_0' },
  { label: 'q4', quantization: { quantize: 'q4' }, head: 'q8_0', matrices: 'q4_1' },
  { label: 'q4, head in f16', quantization: { quantize: 'q4', head: false }, head: 'f16', matrices: 'q4_1' },
];

describe.each(CASES)('v7 quantized at load: $label', ({ quantization, head, matrices }) => {
  const models: GpuModel[] = [];
  afterAll(() => models.forEach((model) => model.dispose()));

  it('matches the oracle on the same quantized values, in a chunk and token by token', async () => {
    const { context } = await gpu();
    const model = syntheticModel('7');
    const gpuModel = await createGpuModel(context, model, { quantization, maxSessions: 2 });
    models.push(gpuModel);
    const report = gpuModel.weightsReport;
    expect(report.head.formats).toEqual([head]);
    expect(new Set(report.matrices.formats)).toEqual(new Set([matrices, 'f16']));
    expect(report.lora.formats).toContain('f16');
    expect(report.vectors.formats).toEqual(['f32']);

    const expected = oracleRun(quantizedAsLoaded(model, quantization), TOKENS).logits;
    const label = `v7 ${quantization.quantize}${quantization.head === false ? ' f16 head' : ''}`;
    expectLogitsClose(
      `${label} chunk`,
      await gpuChunked(gpuModel, gpuModel.allocateSlot(), TOKENS, 7),
      expected,
      TOLERANCE,
    );
    expectLogitsClose(
      `${label} serial`,
      await gpuSerial(gpuModel, gpuModel.allocateSlot(), TOKENS),
      expected,
      TOLERANCE,
    );
  });
});
