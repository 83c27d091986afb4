/**
 * shaders/matvec.wgsl against the CPU oracle's matMat: f32 and packed f16, batches, epilogues, row split, grouped
 * products; its subgroupAdd reduction (a device with `subgroups`) against the oracle and the tree. The block formats' matvec, both
 * reductions, is in block-formats.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { uploadBuffer } from '../../../src/gpu/buffers.js';
import { uploadMatrix } from '../../../src/gpu/gpu-matrix.js';
import { defaultRowsPerWorkgroup, matVecKernel } from '../../../src/gpu/kernels/matvec.js';
import { encodeMatVec } from './encode-parts.js';
import { expectGroupedMatVec } from './grouped-check.js';
import { packRows, roundToF16, rowBytes, type FloatFormat } from '../../../src/gpu/matrix-layout.js';
import { add, matMat, tanh } from '../../../src/cpu/ops.js';
import {
  expectClose,
  gpu,
  inout,
  output,
  randomArray,
  readFloats,
  requireSubgroups,
  runKernel,
} from '../gpu-harness.js';
import type { MatVecShape } from '../../../src/gpu/kernels/matvec.js';

describe('matvec kernel', () => {
  it('multiplies an f32 matrix by one vector (in 100, out 37)', async () => {
    const w = randomArray(37 * 100, 1);
    const x = randomArray(100, 2);
    const [y] = await runKernel(matVecKernel({ inWidth: 100, rows: 37, format: 'f32' }), [
      packRows(w, 100, 'f32'),
      x,
      output(37),
    ]);
    expectClose(y, matMat(w, x, 1), 1e-5);
  });

  it('multiplies packed f16 weights by a batch of 3 (in 99, out 129) without shader-f16', async () => {
    const w = randomArray(129 * 99, 3);
    const x = randomArray(3 * 99, 4);
    const [y] = await runKernel(matVecKernel({ inWidth: 99, rows: 129, format: 'f16', batch: 3 }), [
      packRows(w, 99, 'f16'),
      x,
      output(3 * 129),
    ]);
    expectClose(y, matMat(roundToF16(w), x, 3), 1e-5);
  });

  it('gives each workgroup 8 rows for a batch of 4 (32 sums per invocation; rows not a multiple of 8)', async () => {
    const w = randomArray(37 * 100, 14);
    const x = randomArray(4 * 100, 15);
    const [y] = await runKernel(
      matVecKernel({ inWidth: 100, rows: 37, format: 'f16', batch: 4, rowsPerWorkgroup: 8 }),
      [packRows(w, 100, 'f16'), x, output(4 * 37)],
    );
    expectClose(y, matMat(roundToF16(w), x, 4), 1e-5);
  });

  it('picks more rows per workgroup for tall matrices, within the batch budget', () => {
    expect(defaultRowsPerWorkgroup(100, 1)).toBe(1);
    expect(defaultRowsPerWorkgroup(1000, 1)).toBe(2);
    expect(defaultRowsPerWorkgroup(65536, 1)).toBe(8);
    expect(defaultRowsPerWorkgroup(65536, 8)).toBe(4);
    expect(defaultRowsPerWorkgroup(65536, 32)).toBe(1);
  });

  it('applies the activation epilogue and accumulates into y', async () => {
    const w = randomArray(45 * 200, 5, 0.1);
    const x = randomArray(2 * 200, 6);
    const y0 = randomArray(2 * 45, 7);
    const [y] = await runKernel(
      matVecKernel({ inWidth: 200, rows: 45, format: 'f32', batch: 2, activation: 'tanh', accumulate: true }),
      [packRows(w, 200, 'f32'), x, inout(y0)],
    );
    expectClose(y, add(tanh(matMat(w, x, 2)), y0), 1e-5);
  });

  it('covers more than 65535 workgroups with a two-dimensional grid', async () => {
    const rows = 65537;
    const w = randomArray(rows * 4, 12);
    const x = randomArray(4, 13);
    const dispatch = matVecKernel({ inWidth: 4, rows, format: 'f32', rowsPerWorkgroup: 1, workgroupSize: 1 });
    expect(dispatch.workgroups).toEqual([65535, 2, 1]);
    const [y] = await runKernel(dispatch, [packRows(w, 4, 'f32'), x, output(rows)]);
    expectClose(y, matMat(w, x, 1), 1e-5);
  });

  it('splits a matrix by rows across bindings (the head) and writes every part at its row offset', async () => {
    const { context, runner } = await gpu();
    const device = context.device;
    const rows = 131;
    const inWidth = 100;
    const batch = 3;
    const w = randomArray(rows * inWidth, 10);
    const x = randomArray(batch * inWidth, 11);
    const matrix = uploadMatrix(device, w, rows, inWidth, 'f32', 'head', 50 * rowBytes(inWidth, 'f32') + 5);
    expect(matrix.parts.map((part) => part.rowCount)).toEqual([50, 50, 31]);
    const xBuffer = uploadBuffer(device, x, 'x');
    const yBuffer = uploadBuffer(device, new Float32Array(batch * rows), 'y');
    await runner.submitPass('split head', (pass) => encodeMatVec(runner, pass, matrix, xBuffer, yBuffer, { batch }));
    expectClose(await readFloats(device, yBuffer), matMat(w, x, batch), 1e-5);
  });

  it('reduces with subgroupAdd: equal to the oracle and to the tree within 1e-5 relative', async (test) => {
    await requireSubgroups(test);
    type FloatShape = MatVecShape & { format: FloatFormat };
    const cases: { shape: FloatShape; w: Float32Array; x: Float32Array; expected: Float32Array }[] = [];
    const w1 = randomArray(37 * 100, 21);
    const x1 = randomArray(100, 22);
    cases.push({ shape: { inWidth: 100, rows: 37, format: 'f32' }, w: w1, x: x1, expected: matMat(w1, x1, 1) });
    const w2 = randomArray(129 * 99, 23);
    const x2 = randomArray(3 * 99, 24);
    const f16 = { inWidth: 99, rows: 129, format: 'f16', batch: 3 } as const;
    cases.push({ shape: f16, w: w2, x: x2, expected: matMat(roundToF16(w2), x2, 3) });
    const w3 = randomArray(37 * 300, 25, 0.1);
    const x3 = randomArray(4 * 300, 26);
    const eight = { inWidth: 300, rows: 37, format: 'f32', batch: 4, rowsPerWorkgroup: 8, activation: 'tanh' } as const;
    cases.push({ shape: eight, w: w3, x: x3, expected: tanh(matMat(w3, x3, 4)) });
    for (const { shape, w, x, expected } of cases) {
      const packed = packRows(w, shape.inWidth, shape.format);
      const [tree] = await runKernel(matVecKernel(shape), [packed, x, output(expected.length)]);
      const [subgroups] = await runKernel(matVecKernel({ ...shape, subgroups: true }), [
        packed,
        x,
        output(expected.length),
      ]);
      expectClose(subgroups, expected, 1e-5);
      // relative to Σ|w·x|, the size of what each sum adds (an output near 0 is the cancellation of larger terms)
      const magnitude = matMat(w.map(Math.abs), x.map(Math.abs), shape.batch ?? 1);
      for (let i = 0; i < expected.length; i++) {
        expect(Math.abs(subgroups[i] - tree[i])).toBeLessThanOrEqual(1e-5 * magnitude[i]);
      }
    }
  });

  it('runs independent products of matrices sharing one buffer in one dispatch (grouped), both reductions', async () => {
    const { context } = await gpu();
    const shapes: [number, number][] = [
      [37, 100],
      [5, 24],
      [70, 33],
      [8, 64],
      [129, 7],
    ];
    for (const format of ['f32', 'f16'] as const) {
      for (const batch of [1, 3]) {
        const cases = () =>
          shapes.map(([rows, columns], i) => {
            const w = randomArray(rows * columns, 50 + i, 0.3);
            const matrix = uploadMatrix(context.device, w, rows, columns, format, `w${i}`);
            return { matrix, values: format === 'f16' ? roundToF16(w) : w };
          });
        await expectGroupedMatVec(cases, batch);
      }
    }
  });
});
