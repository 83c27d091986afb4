/**
 * shaders/norm-shift-mix.wgsl against the CPU oracle (layerNorm, tokenShift, shiftMix), for sequences whose states sit
 * anywhere in a pool: stacked mixes in both forms (v7's att.x_rwkvag; v4–v6's time_mix_* / time_maa_* stacked), with
 * the normed rows and their previous rows before them (`normed`), the state save;
 * with the LayerNorm's reductions by the workgroup-memory tree and (when the adapter has `subgroups`) by subgroupAdd.
 */
import { describe, expect, it } from 'vitest';
import { normShiftMixKernel, PLANE_ALIGNMENT } from '../../../src/gpu/kernels/norm-shift-mix.js';
import { tokenParams } from '../../../src/gpu/kernels/step-params-uniform.js';
import { layerNorm, lerpMix, shiftMix, tokenShift } from '../../../src/cpu/ops.js';
import { expectClose, inout, output, randomArray, requireSubgroups, runKernel, uniform } from '../gpu-harness.js';

const CHANNELS = 37;
const OFFSETS = [200, 0, 100];

/** The oracle: per sequence, u = LayerNorm(x), prev = tokenShift(u, state carry); the pool with the saved rows. */
function oracle(x: Float32Array, pool: Float32Array, tokens: number, weight: Float32Array, bias: Float32Array) {
  const u = layerNorm(x, weight, bias, 1e-5);
  const previous = new Float32Array(u.length);
  const savedPool = pool.slice();
  OFFSETS.slice(0, x.length / (tokens * CHANNELS)).forEach((offset, b) => {
    const rows = u.subarray(b * tokens * CHANNELS, (b + 1) * tokens * CHANNELS);
    previous.set(tokenShift(rows, savedPool.subarray(offset, offset + CHANNELS)), b * tokens * CHANNELS);
  });
  return { u, previous, savedPool };
}

describe.each([false, true])('norm-shift-mix kernel, subgroupAdd reductions: %s', (subgroups) => {
  for (const [tokens, batch] of [
    [4, 3],
    [1, 3],
    [5, 1],
  ]) {
    const rows = tokens * batch;
    const planeStride = Math.ceil((rows * CHANNELS + 5) / PLANE_ALIGNMENT) * PLANE_ALIGNMENT;
    const x = randomArray(rows * CHANNELS, 61 + tokens, 2);
    const pool = randomArray(300, 62 + tokens);
    const weight = randomArray(CHANNELS, 63);
    const bias = randomArray(CHANNELS, 64, 0.5);
    const params = uniform(tokenParams(tokens, OFFSETS.slice(0, batch)));
    const expected = oracle(x, pool, tokens, weight, bias);

    it(`mixes: ${batch} sequences of ${tokens} tokens give six mixes in planes ${planeStride} floats apart`, async (test) => {
      if (subgroups) await requireSubgroups(test);
      const mixes = 6;
      const mixWeights = randomArray(mixes * CHANNELS, 65);
      const kernel = normShiftMixKernel({ channels: CHANNELS, tokens, batch, planeStride, mixes, subgroups });
      const [saved, out] = await runKernel(kernel, [
        params,
        x,
        weight,
        bias,
        inout(pool),
        output(mixes * planeStride),
        mixWeights,
      ]);
      for (let p = 0; p < mixes; p++) {
        const mix = mixWeights.subarray(p * CHANNELS, (p + 1) * CHANNELS);
        const plane = out.subarray(p * planeStride, p * planeStride + rows * CHANNELS);
        expectClose(plane, shiftMix(expected.u, expected.previous, mix), 1e-5);
      }
      expectClose(saved, expected.savedPool, 1e-5);
      expect(saved.subarray(40, 100)).toEqual(pool.subarray(40, 100));
    });

    it(`normed: ${batch} sequences of ${tokens} tokens give the normed rows, their previous rows, then 4 lerp mixes`, async (test) => {
      if (subgroups) await requireSubgroups(test);
      const mixes = 4;
      const mixWeights = randomArray(mixes * CHANNELS, 66);
      const shape = { channels: CHANNELS, tokens, batch, planeStride, mixes, subgroups };
      const [saved, out] = await runKernel(normShiftMixKernel({ ...shape, normed: true, lerp: true }), [
        params,
        x,
        weight,
        bias,
        inout(pool),
        output((2 + mixes) * planeStride),
        mixWeights,
      ]);
      const plane = (p: number) => out.subarray(p * planeStride, p * planeStride + rows * CHANNELS);
      expectClose(plane(0), expected.u, 1e-5);
      expectClose(plane(1), expected.previous, 1e-5);
      for (let p = 0; p < mixes; p++) {
        const mix = mixWeights.subarray(p * CHANNELS, (p + 1) * CHANNELS);
        expectClose(plane(2 + p), lerpMix(expected.u, expected.previous, mix), 1e-5);
      }
      expectClose(saved, expected.savedPool, 1e-5);
    });
  }
});

describe('norm-shift-mix kernel shape', () => {
  it('refuses a plane stride that is not aligned or does not cover the rows', () => {
    const shape = { channels: CHANNELS, tokens: 2, batch: 1, mixes: 1 };
    expect(() => normShiftMixKernel({ ...shape, planeStride: 100 })).toThrow(RangeError);
    expect(() => normShiftMixKernel({ ...shape, planeStride: 64 })).toThrow(RangeError);
  });
});
