/** shaders/matmat.wgsl against the CPU oracle's matMat: tiles with ragged edges, f16, epilogues, row split. */
import { describe, expect, it } from 'vitest';
import { uploadBuffer } from '../../../src/gpu/buffers.js';
import { uploadMatrix } from '../../../src/gpu/gpu-matrix.js';
import { defaultTile, matMatKernel } from '../../../src/gpu/kernels/matmat.js';
import { createShapeUniform, encodeMatMat } from './encode-parts.js';
import { packRows, roundToF16, rowBytes } from '../../../src/gpu/matrix-layout.js';
import { add, matMat, squaredRelu } from '../../../src/cpu/ops.js';
import { expectClose, gpu, inout, output, randomArray, readFloats, runKernel, uniform } from '../gpu-harness.js';

describe('matmat kernel', () => {
  for (const tile of [32, 64] as const) {
    it(`multiplies 70 token rows by an f32 [129, 100] matrix in ${tile}-tiles (cut on both edges)`, async () => {
      const tokens = 70;
      const w = randomArray(129 * 100, 21);
      const x = randomArray(tokens * 100, 22);
      const [y] = await runKernel(matMatKernel({ inWidth: 100, rows: 129, format: 'f32', tokens, tile }), [
        uniform(new Uint32Array([tokens])),
        packRows(w, 100, 'f32'),
        x,
        output(tokens * 129),
      ]);
      expectClose(y, matMat(w, x, tokens), 1e-5);
    });
  }

  it('uses 64-tiles only when they still fill 256 workgroups', () => {
    expect(defaultTile(768, 128)).toBe(32);
    expect(defaultTile(2048, 512)).toBe(64);
    expect(defaultTile(65536, 1)).toBe(64);
  });

  it('multiplies packed f16 weights (in 37, out 37) with squared ReLU, accumulating into Y', async () => {
    const tokens = 5;
    const w = randomArray(37 * 37, 23);
    const x = randomArray(tokens * 37, 24);
    const y0 = randomArray(tokens * 37, 25);
    const [y] = await runKernel(
      matMatKernel({ inWidth: 37, rows: 37, format: 'f16', tokens, activation: 'squaredRelu', accumulate: true }),
      [uniform(new Uint32Array([tokens])), packRows(w, 37, 'f16'), x, inout(y0)],
    );
    expectClose(y, add(squaredRelu(matMat(roundToF16(w), x, tokens)), y0), 1e-5);
  });

  it('splits a matrix by rows across bindings (the head over every position)', async () => {
    const { context, runner } = await gpu();
    const device = context.device;
    const tokens = 7;
    const rows = 150;
    const w = randomArray(rows * 100, 28);
    const x = randomArray(tokens * 100, 29);
    const matrix = uploadMatrix(device, w, rows, 100, 'f16', 'head', 70 * rowBytes(100, 'f16'));
    expect(matrix.parts.map((part) => part.rowCount)).toEqual([70, 70, 10]);
    const shape = createShapeUniform(device, tokens);
    const xBuffer = uploadBuffer(device, x, 'x');
    const yBuffer = uploadBuffer(device, new Float32Array(tokens * rows), 'y');
    await runner.submitPass('split head', (pass) =>
      encodeMatMat(runner, pass, matrix, shape, xBuffer, yBuffer, { tokens }),
    );
    expectClose(await readFloats(device, yBuffer), matMat(roundToF16(w), x, tokens), 1e-5);
  });
});
