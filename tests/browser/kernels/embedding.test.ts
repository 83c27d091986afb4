/** shaders/embedding.wgsl: gathered rows equal the table's rows (f32, packed f16, split across bindings). */
import { describe, expect, it } from 'vitest';
import { uploadBuffer } from '../../../src/gpu/buffers.js';
import { uploadMatrix } from '../../../src/gpu/gpu-matrix.js';
import { embeddingKernel } from '../../../src/gpu/kernels/embedding.js';
import { encodeEmbedding } from './encode-parts.js';
import { packRows, roundToF16, rowBytes } from '../../../src/gpu/matrix-layout.js';
import { expectClose, gpu, output, randomArray, readFloats, runKernel } from '../gpu-harness.js';

function gather(table: Float32Array, columns: number, tokens: Uint32Array): Float32Array {
  const rows = new Float32Array(tokens.length * columns);
  tokens.forEach((token, n) => rows.set(table.subarray(token * columns, (token + 1) * columns), n * columns));
  return rows;
}

describe('embedding kernel', () => {
  const vocab = 37;
  const columns = 100;
  const table = randomArray(vocab * columns, 31);
  const tokens = new Uint32Array([5, 0, 36, 5, 17]);

  it('gathers f32 rows exactly', async () => {
    const [out] = await runKernel(embeddingKernel({ columns, rows: vocab, format: 'f32', tokens: tokens.length }), [
      tokens,
      packRows(table, columns, 'f32'),
      output(tokens.length * columns),
    ]);
    expect(out).toEqual(gather(table, columns, tokens));
  });

  it('gathers packed f16 rows of an odd width (the f16-rounded values)', async () => {
    const odd = 13;
    const small = randomArray(vocab * odd, 32);
    const [out] = await runKernel(
      embeddingKernel({ columns: odd, rows: vocab, format: 'f16', tokens: tokens.length }),
      [tokens, packRows(small, odd, 'f16'), output(tokens.length * odd)],
    );
    expectClose(out, gather(roundToF16(small), odd, tokens), 0);
  });

  it('gathers from a table split by rows across bindings', async () => {
    const { context, runner } = await gpu();
    const device = context.device;
    const matrix = uploadMatrix(device, table, vocab, columns, 'f16', 'emb', 16 * rowBytes(columns, 'f16'));
    expect(matrix.parts.map((part) => part.firstRow)).toEqual([0, 16, 32]);
    const tokenBuffer = uploadBuffer(device, tokens, 'tokens');
    const outBuffer = uploadBuffer(device, new Float32Array(tokens.length * columns), 'out');
    await runner.submitPass('split embedding', (pass) =>
      encodeEmbedding(runner, pass, matrix, tokenBuffer, tokens.length, outBuffer),
    );
    expectClose(await readFloats(device, outBuffer), gather(roundToF16(table), columns, tokens), 0);
  });
});
