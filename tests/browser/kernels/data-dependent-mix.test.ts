/**
 * shaders/data-dependent-mix.wgsl (v6's five data-dependent token-shift mixes with the mix LoRA's second half folded
 * in) against the CPU oracle's matMat and shiftMixWithOffset, with W2 in f32 (LoRA width 13: a padded last chunk),
 * packed f16 and Q8_0 blocks, over rows laid out in planes as the GPU layer lays them out.
 */
import { describe, it } from 'vitest';
import { uploadBlockMatrix, uploadMatrix, type GpuMatrix } from '../../../src/gpu/gpu-matrix.js';
import { dataDependentMixKernel } from '../../../src/gpu/kernels/data-dependent-mix.js';
import { roundToF16 } from '../../../src/gpu/matrix-layout.js';
import { quantizeBlocks } from '../../../src/formats/quantize-blocks.js';
import { dequantize } from '../../../src/formats/quantized.js';
import { matMat, shiftMixWithOffset } from '../../../src/cpu/ops.js';
import { expectClose, gpu, output, randomArray, runKernel } from '../gpu-harness.js';

const CHANNELS = 37;
const ROWS = 3;
const MIXES = 5;
const PLANE_STRIDE = 128;

/** W2 on the GPU in `format`, and the values the GPU multiplies by (rounded to f16, or the blocks' dequantization). */
async function loraWeights(
  format: 'f32' | 'f16' | 'q8_0',
  width: number,
): Promise<{ matrix: GpuMatrix; w: Float32Array }> {
  const device = (await gpu()).context.device;
  const values = randomArray(MIXES * CHANNELS * width, 71 + width, 0.5);
  if (format === 'q8_0') {
    const blocks = quantizeBlocks('q8_0', values);
    const matrix = uploadBlockMatrix(device, blocks, MIXES * CHANNELS, width, 'q8_0', 'w2');
    return { matrix, w: dequantize('q8_0', blocks) };
  }
  const matrix = uploadMatrix(device, values, MIXES * CHANNELS, width, format, 'w2');
  return { matrix, w: format === 'f16' ? roundToF16(values) : values };
}

describe('data-dependent mix kernel', () => {
  for (const [format, width] of [
    ['f32', 13],
    ['f16', 32],
    ['q8_0', 32],
  ] as const) {
    it(`mixes u and prev by maa_i + W2_i · h_i for 5 mixes (${format} W2, LoRA width ${width})`, async () => {
      const { matrix, w } = await loraWeights(format, width);
      const u = randomArray(ROWS * CHANNELS, 72);
      const prev = randomArray(ROWS * CHANNELS, 73);
      const normed = new Float32Array(2 * PLANE_STRIDE);
      normed.set(u);
      normed.set(prev, PLANE_STRIDE);
      const hidden = randomArray(ROWS * MIXES * width, 74);
      const maa = randomArray(MIXES * CHANNELS, 75);
      const kernel = dataDependentMixKernel({
        channels: CHANNELS,
        rows: ROWS,
        mixes: MIXES,
        loraWidth: width,
        format,
        planeStride: PLANE_STRIDE,
      });
      const [out] = await runKernel(kernel, [
        matrix.parts[0].buffer,
        normed,
        hidden,
        maa,
        output(MIXES * PLANE_STRIDE),
      ]);
      for (let i = 0; i < MIXES; i++) {
        const hiddenPart = new Float32Array(ROWS * width);
        for (let n = 0; n < ROWS; n++) {
          hiddenPart.set(hidden.subarray((n * MIXES + i) * width, (n * MIXES + i + 1) * width), n * width);
        }
        const offset = matMat(w.subarray(i * CHANNELS * width, (i + 1) * CHANNELS * width), hiddenPart, ROWS);
        const expected = shiftMixWithOffset(u, prev, maa.subarray(i * CHANNELS, (i + 1) * CHANNELS), offset);
        expectClose(out.subarray(i * PLANE_STRIDE, i * PLANE_STRIDE + ROWS * CHANNELS), expected, 1e-5);
      }
      matrix.parts[0].buffer.destroy();
    });
  }
});
