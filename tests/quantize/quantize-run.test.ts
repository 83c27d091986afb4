/**
 * Quantizing a streamed matrix run by run gives exactly the blocks of quantizing it whole: runs of whole rows are
 * whole blocks, whatever the run boundaries, from f32, f16 and bf16 sources.
 */
import { expect, test } from 'vitest';
import { encodeF16 } from '../../src/numeric/half.js';
import type { StreamedTensor, TensorRun } from '../../src/formats/tensor-stream.js';
import { decodeTensorData } from '../../src/formats/tensor-data.js';
import type { SourceType } from '../../src/model/spec.js';
import { quantizeBlocks } from '../../src/formats/quantize-blocks.js';
import { quantizeRun } from '../../src/quantize/quantize-run.js';

const ROWS = 7;
const COLUMNS = 96;

function sourceBytes(type: SourceType, values: Float32Array): Uint8Array {
  if (type === 'f16') return encodeF16(values);
  const f32 = new Uint8Array(values.buffer.slice(0));
  if (type === 'f32') return f32;
  // bf16: the upper halves of the f32 values.
  return Uint8Array.from({ length: values.length * 2 }, (_, i) => f32[(i >> 1) * 4 + 2 + (i & 1)]);
}

/** A streamed [ROWS, COLUMNS] tensor in runs of `rowsPerRun` rows. */
function streamed(type: SourceType, bytes: Uint8Array, rowsPerRun: number): StreamedTensor {
  const rowBytes = bytes.length / ROWS;
  return {
    name: 'blocks.0.ffn.key.weight',
    shape: [ROWS, COLUMNS],
    sourceType: type,
    dataType: type,
    async *runs(): AsyncGenerator<TensorRun, void, undefined> {
      for (let firstRow = 0; firstRow < ROWS; firstRow += rowsPerRun) {
        const rowCount = Math.min(rowsPerRun, ROWS - firstRow);
        yield { firstRow, rowCount, bytes: bytes.subarray(firstRow * rowBytes, (firstRow + rowCount) * rowBytes) };
      }
    },
  };
}

test.each(['f32', 'f16', 'bf16'] as const)(
  '%s rows quantized run by run equal the whole matrix quantized',
  async (type) => {
    const values = Float32Array.from({ length: ROWS * COLUMNS }, (_, i) => Math.sin(i * 0.37) * (1 + (i % 13)));
    const bytes = sourceBytes(type, values);
    const whole = quantizeBlocks('q4_1', decodeTensorData(type, bytes), 'whole');
    for (const rowsPerRun of [1, 3, ROWS]) {
      const tensor = streamed(type, bytes, rowsPerRun);
      const parts: Uint8Array[] = [];
      for await (const run of tensor.runs()) parts.push(quantizeRun('q4_1', tensor, run));
      expect(parts.length).toBe(Math.ceil(ROWS / rowsPerRun));
      expect(Buffer.concat(parts).equals(Buffer.from(whole))).toBe(true);
    }
  },
);

test('a non-finite value is refused naming the tensor and its run', async () => {
  const values = new Float32Array(ROWS * COLUMNS).fill(1);
  values[4 * COLUMNS + 5] = NaN;
  const tensor = streamed('f32', sourceBytes('f32', values), 2);
  const runs = tensor.runs();
  for (let i = 0; i < 2; i++) quantizeRun('q8_0', tensor, (await runs.next()).value as TensorRun);
  const third = (await runs.next()).value as TensorRun;
  expect(() => quantizeRun('q8_0', tensor, third)).toThrow(/blocks\.0\.ffn\.key\.weight rows 4\+2: value 5 is NaN/);
});
