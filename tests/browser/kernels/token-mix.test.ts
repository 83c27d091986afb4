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
  it('computes six static mixes at once (v7 x_rwkvag)', async () => {
    const mixes = 6;
    const mix = randomArray(mixes * channels, 63);
    const [out] = await runKernel(tokenMixKernel({ channels, rows, mixes }), [
      x,
      shifted,
      mix,
      output(mixes * rows * channels),
    ]);
    for (let m = 0; m < mixes; m++) {
      const mixRow = plane(mix, m, channels);
      expectClose(plane(out, m, rows * channels), shiftMix(x, shifted, mixRow), 1e-6);
    }
  });

  it('computes the v4/v5 lerp x·mix + shifted·(1 − mix) for three mixes', async () => {
    const mixes = 3;
    const mix = randomArray(mixes * channels, 66);
    const [out] = await runKernel(tokenMixKernel({ channels, rows, mixes, form: 'lerp' }), [
      x,
      shifted,
      mix,
      output(mixes * rows * channels),
    ]);
    for (let m = 0; m < mixes; m++) {
      expectClose(plane(out, m, rows * channels), lerpMix(x, shifted, plane(mix, m, channels)), 1e-6);
    }
  });

  it('computes the v6 data-dependent 5-way mix x + sx·(maa + LoRA)', async () => {
    const mixes = 5;
    const maa = randomArray(mixes * channels, 64);
    const offset = randomArray(mixes * rows * channels, 65);
    const [out] = await runKernel(tokenMixKernel({ channels, rows, mixes, dataDependent: true }), [
      x,
      shifted,
      maa,
      output(mixes * rows * channels),
      offset,
    ]);
    for (let m = 0; m < mixes; m++) {
      const expected = shiftMixWithOffset(x, shifted, plane(maa, m, channels), plane(offset, m, rows * channels));
      expectClose(plane(out, m, rows * channels), expected, 1e-6);
    }
  });
});
