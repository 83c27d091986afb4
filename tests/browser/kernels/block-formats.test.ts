/**
 * The block-quantized weight formats (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1) kept as blocks on the GPU: matvec (batches, rows
 * not a multiple of 4, an odd number of blocks per row, a forced row split; its sums reduced by the tree and, on a
 * device with `subgroups`, by subgroupAdd), matmat (ragged tiles, a split) and the
 * embedding gather, each against the CPU oracle on the blocks' exact dequantization (src/formats/quantized.ts).
 */
import { describe, expect, it } from 'vitest';
import { uploadBuffer } from '../../../src/gpu/buffers.js';
import { blockRowBytes } from '../../../src/gpu/block-layout.js';
import { matrixByteLength, uploadBlockMatrix } from '../../../src/gpu/gpu-matrix.js';
import { f32ToF16Bits } from '../../../src/numeric/half.js';
import { dequantize, QUANT_BLOCK_BYTES, type QuantizedType } from '../../../src/formats/quantized.js';
import { matMat } from '../../../src/cpu/ops.js';
import { createShapeUniform, encodeEmbedding, encodeMatMat, encodeMatVec } from './encode-parts.js';
import { expectClose, gpu, randomArray, readFloats } from '../gpu-harness.js';
import { expectGroupedMatVec } from './grouped-check.js';

const TYPES: QuantizedType[] = ['q8_0', 'q4_0', 'q4_1', 'q5_0', 'q5_1'];

/** Seeded ggml blocks of `type` for a [rows, columns] matrix: random codes, scales in ±[0.01, 0.1), minima in ±0.5. */
function randomBlocks(type: QuantizedType, rows: number, columns: number, seed: number): Uint8Array {
  const blockBytes = QUANT_BLOCK_BYTES[type];
  const blocks = (rows * columns) / 32;
  const bytes = new Uint8Array(blocks * blockBytes);
  let state = seed >>> 0;
  const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0);
  for (let i = 0; i < bytes.length; i++) bytes[i] = next() >>> 24;
  const setHalf = (at: number, value: number) => {
    const bits = f32ToF16Bits(value);
    bytes[at] = bits & 0xff;
    bytes[at + 1] = bits >>> 8;
  };
  const hasMin = type === 'q4_1' || type === 'q5_1';
  for (let b = 0; b < blocks; b++) {
    const at = b * blockBytes;
    setHalf(at, (next() & 1 ? -1 : 1) * (0.01 + (next() / 2 ** 32) * 0.09));
    if (hasMin) setHalf(at + 2, (next() / 2 ** 32 - 0.5) * 1);
  }
  return bytes;
}

describe.each(TYPES)('%s weights kept as blocks', (type) => {
  it('multiplies batches of 1 and 3 vectors (in 96: 3 blocks per row, out 37), split into 3 parts', async () => {
    const { context, runner } = await gpu();
    const device = context.device;
    const rows = 37;
    const inWidth = 96;
    const blocks = randomBlocks(type, rows, inWidth, 7);
    const w = dequantize(type, blocks);
    const whole = uploadBlockMatrix(device, blocks, rows, inWidth, type, 'w');
    expect(whole.parts.length).toBe(1);
    const split = uploadBlockMatrix(
      device,
      blocks,
      rows,
      inWidth,
      type,
      'w split',
      15 * blockRowBytes(type, inWidth) + 48,
    );
    expect(split.parts.map((part) => part.rowCount)).toEqual([15, 15, 7]);
    const reductions = context.features.has('subgroups') ? [false, true] : [false];
    if (reductions.length === 1)
      console.warn('!!! adapter without subgroups: the subgroupAdd matvec is not tested here');
    for (const batch of [1, 3]) {
      const x = randomArray(batch * inWidth, 8 + batch);
      const xBuffer = uploadBuffer(device, x, 'x');
      for (const matrix of [whole, split]) {
        for (const subgroups of reductions) {
          const yBuffer = uploadBuffer(device, new Float32Array(batch * rows), 'y');
          const epilogue = { batch, subgroups };
          await runner.submitPass('matvec', (pass) => encodeMatVec(runner, pass, matrix, xBuffer, yBuffer, epilogue));
          expectClose(await readFloats(device, yBuffer), matMat(w, x, batch), 1e-5);
        }
      }
    }
  });

  it('runs three matrices sharing one buffer as one grouped dispatch (batch 2, both reductions)', async () => {
    const { context } = await gpu();
    const shapes: [number, number][] = [
      [37, 96],
      [6, 32],
      [21, 64],
    ];
    await expectGroupedMatVec(
      () =>
        shapes.map(([rows, columns], i) => {
          const blocks = randomBlocks(type, rows, columns, 60 + i);
          const matrix = uploadBlockMatrix(context.device, blocks, rows, columns, type, `w${i}`);
          return { matrix, values: dequantize(type, blocks) };
        }),
      2,
    );
  });

  it('multiplies 70 token rows (ragged 32-tiles) by [45, 64], whole and split', async () => {
    const { context, runner } = await gpu();
    const device = context.device;
    const rows = 45;
    const inWidth = 64;
    const tokens = 70;
    const blocks = randomBlocks(type, rows, inWidth, 11);
    const w = dequantize(type, blocks);
    const x = randomArray(tokens * inWidth, 12);
    const xBuffer = uploadBuffer(device, x, 'x');
    const shape = createShapeUniform(device, tokens);
    const part = 20 * blockRowBytes(type, inWidth) + 48;
    for (const matrix of [
      uploadBlockMatrix(device, blocks, rows, inWidth, type, 'w'),
      uploadBlockMatrix(device, blocks, rows, inWidth, type, 'w split', part),
    ]) {
      const yBuffer = uploadBuffer(device, new Float32Array(tokens * rows), 'y');
      await runner.submitPass('matmat', (pass) =>
        encodeMatMat(runner, pass, matrix, shape, xBuffer, yBuffer, { tokens }),
      );
      expectClose(await readFloats(device, yBuffer), matMat(w, x, tokens), 1e-5);
    }
  });

  it('gathers embedding rows from a split table', async () => {
    const { context, runner } = await gpu();
    const device = context.device;
    const rows = 13;
    const columns = 160;
    const blocks = randomBlocks(type, rows, columns, 13);
    const table = dequantize(type, blocks);
    const matrix = uploadBlockMatrix(device, blocks, rows, columns, type, 'emb', 5 * blockRowBytes(type, columns) + 48);
    expect(matrix.parts.length).toBe(3);
    const tokens = new Uint32Array([12, 0, 5, 7, 12]);
    const out = uploadBuffer(device, new Float32Array(tokens.length * columns), 'out');
    const tokenBuffer = uploadBuffer(device, tokens, 'tokens');
    await runner.submitPass('embedding', (pass) =>
      encodeEmbedding(runner, pass, matrix, tokenBuffer, tokens.length, out),
    );
    const expected = new Float32Array(tokens.length * columns);
    tokens.forEach((token, n) => expected.set(table.subarray(token * columns, (token + 1) * columns), n * columns));
    expectClose(await readFloats(device, out), expected, 0);
  });

  it('takes at most the payload plus 48 bytes per part', () => {
    const rows = 37;
    const columns = 96;
    return gpu().then(({ context }) => {
      const matrix = uploadBlockMatrix(context.device, randomBlocks(type, rows, columns, 3), rows, columns, type, 'w');
      const payload = ((rows * columns) / 32) * QUANT_BLOCK_BYTES[type];
      expect(matrixByteLength(matrix)).toBeGreaterThanOrEqual(payload);
      expect(matrixByteLength(matrix)).toBeLessThanOrEqual(payload + rows * 2 + 48);
    });
  });
});
