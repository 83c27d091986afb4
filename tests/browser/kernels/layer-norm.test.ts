/** shaders/layer-norm.wgsl against the CPU oracle's layerNorm and groupNorm (odd widths, several rows). */
import { describe, it } from 'vitest';
import { layerNormKernel } from '../../../src/gpu/kernels/layer-norm.js';
import { groupNorm, layerNorm } from '../../../src/cpu/ops.js';
import { expectClose, output, randomArray, runKernel } from '../gpu-harness.js';

describe('layer-norm kernel', () => {
  it('is LayerNorm over rows of 200 channels (more than one pass of the workgroup)', async () => {
    const channels = 200;
    const rows = 3;
    const x = randomArray(rows * channels, 41, 3);
    for (let i = 0; i < x.length; i++) x[i] += 5;
    const weight = randomArray(channels, 42);
    const bias = randomArray(channels, 43);
    const [y] = await runKernel(layerNormKernel({ channels, rows }), [x, weight, bias, output(rows * channels)]);
    expectClose(y, layerNorm(x, weight, bias, 1e-5), 1e-5);
  });

  it('is LayerNorm over 37 channels (fewer than the workgroup)', async () => {
    const x = randomArray(2 * 37, 44);
    const weight = randomArray(37, 45);
    const bias = randomArray(37, 46);
    const [y] = await runKernel(layerNormKernel({ channels: 37, rows: 2 }), [x, weight, bias, output(74)]);
    expectClose(y, layerNorm(x, weight, bias, 1e-5), 1e-5);
  });

  it('is the per-head GroupNorm (ln_x) with H = 5, S = 20, eps 64e-5', async () => {
    const channels = 100;
    const rows = 4;
    const x = randomArray(rows * channels, 47, 0.01);
    const weight = randomArray(channels, 48);
    const bias = randomArray(channels, 49);
    const [y] = await runKernel(layerNormKernel({ channels, rows, groups: 5, eps: 64e-5 }), [
      x,
      weight,
      bias,
      output(rows * channels),
    ]);
    expectClose(y, groupNorm(x, 5, weight, bias, 64e-5), 1e-5);
  });
});
