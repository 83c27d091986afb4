/**
 * shaders/layer-norm.wgsl against the CPU oracle's layerNorm (odd widths, several rows, large offsets), with its
 * reductions by the workgroup-memory tree and, when the adapter has `subgroups`, by subgroupAdd — each against the
 * oracle and the two against each other.
 */
import { describe, expect, it } from 'vitest';
import { layerNormKernel, type LayerNormShape } from '../../../src/gpu/kernels/layer-norm.js';
import { layerNorm } from '../../../src/cpu/ops.js';
import { expectClose, output, randomArray, requireSubgroups, runKernel } from '../gpu-harness.js';

interface NormCase {
  name: string;
  shape: LayerNormShape;
  x: Float32Array;
}

function inputs(channels: number, rows: number, seed: number, scale = 1, offset = 0): Float32Array {
  return randomArray(rows * channels, seed, scale).map((value) => value + offset);
}

const CASES: NormCase[] = [
  {
    name: 'LayerNorm over rows of 200 channels (more than one pass of the workgroup)',
    shape: { channels: 200, rows: 3 },
    x: inputs(200, 3, 41, 3, 5),
  },
  {
    name: 'LayerNorm over 37 channels (fewer than the workgroup)',
    shape: { channels: 37, rows: 2 },
    x: inputs(37, 2, 44),
  },
];

async function runNorm(testCase: NormCase, subgroups: boolean): Promise<{ y: Float32Array; expected: Float32Array }> {
  const { channels, rows } = testCase.shape;
  const weight = randomArray(channels, 42);
  const bias = randomArray(channels, 43);
  const [y] = await runKernel(layerNormKernel({ ...testCase.shape, subgroups }), [
    testCase.x,
    weight,
    bias,
    output(rows * channels),
  ]);
  return { y, expected: layerNorm(testCase.x, weight, bias, 1e-5) };
}

describe('layer-norm kernel', () => {
  for (const testCase of CASES) {
    it(`is ${testCase.name}: workgroup-memory tree`, async () => {
      const { y, expected } = await runNorm(testCase, false);
      expectClose(y, expected, 1e-5);
    });

    it(`is ${testCase.name}: subgroupAdd, equal to the tree within 1e-5 relative`, async (test) => {
      await requireSubgroups(test);
      const [tree, subgroups] = [await runNorm(testCase, false), await runNorm(testCase, true)];
      expectClose(subgroups.y, subgroups.expected, 1e-5);
      for (let i = 0; i < tree.y.length; i++) {
        expect(Math.abs(subgroups.y[i] - tree.y[i])).toBeLessThanOrEqual(1e-5 * Math.max(Math.abs(tree.y[i]), 1e-3));
      }
    });
  }
});
