/** shaders/token-mix.wgsl against the CPU oracle's lerpMix / shiftMix / shiftMixWithOffset. */
import { describe, it } from 'vitest';
import { tokenMixKernel } from '../../../src/gpu/kernels/token-mix.js';
import { lerpMix, shiftMix, shiftMixWithOffset } from '../../../src/cpu/ops.js';
import { expectClose, output, randomArray, runKernel } from '../gpu-harness.js';

const channels = 100;
const rows = 3;
const x = randomArray(rows * channels, 61);
const shifted = randomArray(rows * channels, 62);

function plane(values: Float32Array, index: number, length: number): Float32Array {
  return values.subarray(index * length, (index + 1) * length);
}

describe('token-mix kernel', () => {
  it('computes six static mixes, one per dispatch (v7 x_rwkvag)', async () => {
    const mixes = 6;
    const mix = randomArray(mixes * channels, 63);
    for (let m = 0; m < mixes; m++) {
      const mixRow = plane(mix, m, channels);
      const [out] = await runKernel(tokenMixKernel({ channels, rows }), [x, shifted, mixRow, output(rows * channels)]);
      expectClose(out, shiftMix(x, shifted, mixRow), 1e-6);
    }
  });

  it('computes the v4/v5 lerp x·mix + shifted·(1 − mix) for three mixes', async () => {
    const mixes = 3;
    const mix = randomArray(mixes * channels, 66);
    for (let m = 0; m < mixes; m++) {
      const mixRow = plane(mix, m, channels);
      const [out] = await runKernel(tokenMixKernel({ channels, rows, form: 'lerp' }), [
        x,
        shifted,
        mixRow,
        output(rows * channels),
      ]);
      expectClose(out, lerpMix(x, shifted, mixRow), 1e-6);
    }
  });

  it('computes the v6 data-dependent 5-way mix x + sx·(maa + LoRA), each from its plane of the LoRA output', async () => {
    const mixes = 5;
    const maa = randomArray(mixes * channels, 64);
    const offset = randomArray(mixes * rows * channels, 65);
    for (let m = 0; m < mixes; m++) {
      const [out] = await runKernel(tokenMixKernel({ channels, rows, dataDependent: true, offsetPlane: m }), [
        x,
        shifted,
        plane(maa, m, channels),
        output(rows * channels),
        offset,
      ]);
      const expected = shiftMixWithOffset(x, shifted, plane(maa, m, channels), plane(offset, m, rows * channels));
      expectClose(out, expected, 1e-6);
    }
  });
});
