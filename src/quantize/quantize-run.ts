/**
 * Quantizing a streamed matrix run by run (src/formats/tensor-stream.ts): each run of whole rows is decoded to f32
 * and quantized on its own, so the loader holds one run's values at a time, never the whole matrix. Rows are whole
 * 32-value blocks (loadTimeBlockType checks the row length), so a run's values are a whole number of blocks and the
 * blocks of consecutive runs follow each other as in a quantized file.
 */
import { decodeTensorData } from '../formats/tensor-data.js';
import type { StreamedTensor, TensorRun } from '../formats/tensor-stream.js';
import { quantizeBlocks, type EncodedBlockType } from '../formats/quantize-blocks.js';

/** The blocks of `type` holding the rows of `run` (of `tensor`, whose rows are whole blocks). */
export function quantizeRun(type: EncodedBlockType, tensor: StreamedTensor, run: TensorRun): Uint8Array {
  const what = `Tensor ${tensor.name} rows ${run.firstRow}+${run.rowCount}`;
  return quantizeBlocks(type, decodeTensorData(tensor.dataType, run.bytes), what);
}
