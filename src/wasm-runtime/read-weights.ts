/**
 * Reads a model stream into FastWeights (src/wasm/weights.ts), tensor by tensor: every linear weight goes into the
 * WebAssembly heap in its compact form — the file's own bytes when the kernels read that type (f32, f16, Q8_0,
 * Q4_0, Q4_1, Q5_0, Q5_1), else decoded to f32 (bf16, the K-quants) — and is never widened; every other tensor is
 * kept as f32 in JavaScript. A stacked matrix ([5, C, D]) is one matrix with its leading dims merged. Once every tensor has
 * passed, the set is checked (by the stream) and each matrix against its canonical shape.
 */
import { ModelFormatError } from '../errors.js';
import { decodeTensorData, tensorByteLength } from '../formats/tensor-data.js';
import { rowCountOf, tensorValues, type ModelStream, type StreamedTensor } from '../formats/tensor-stream.js';
import { isLinearWeight } from '../generations/weight-class.js';
import { elementCount, type SourceType } from '../model/spec.js';
import type { WasmHeap } from '../wasm/heap.js';
import { FORMAT_CODES, type CompactFormat } from '../wasm/kernels.js';
import { FastWeights, type CompactMatrix } from '../wasm/weights.js';

export async function readFastWeights(stream: ModelStream, heap: WasmHeap): Promise<FastWeights> {
  const matrices = new Map<string, CompactMatrix>();
  const vectors = new Map<string, Float32Array>();
  let matrixBytes = 0;
  const checked = await stream.forEachTensor(async (tensor) => {
    if (!isLinearWeight(tensor.name)) {
      vectors.set(tensor.name, await tensorValues(tensor));
      return;
    }
    const matrix = await readMatrix(tensor, heap);
    matrixBytes += matrix.rows * matrix.rowBytes;
    matrices.set(tensor.name, matrix);
  });
  for (const [name, matrix] of matrices) {
    const shape = checked.shapes.get(name);
    if (shape === undefined) continue;
    const cols = shape[shape.length - 1];
    if (matrix.cols !== cols || matrix.rows * matrix.cols !== elementCount(shape)) {
      throw new ModelFormatError(`Tensor ${name} arrived as [${matrix.rows}, ${matrix.cols}], expected [${shape}].`);
    }
  }
  return new FastWeights(checked.spec, checked.shapes, matrices, vectors, matrixBytes);
}

/** The compact format a stored type is kept in. */
function compactFormatOf(type: SourceType): CompactFormat {
  return Object.hasOwn(FORMAT_CODES, type) ? (type as CompactFormat) : 'f32';
}

/** Copies a linear weight's runs into the heap: as stored when the kernels read its type, else decoded to f32. */
async function readMatrix(tensor: StreamedTensor, heap: WasmHeap): Promise<CompactMatrix> {
  const cols = tensor.shape[tensor.shape.length - 1];
  const rows = rowCountOf(tensor.shape);
  const format = compactFormatOf(tensor.dataType);
  const rowBytes = tensorByteLength(format, cols);
  const ptr = heap.allocate(rows * rowBytes);
  for await (const run of tensor.runs()) {
    const bytes = format === tensor.dataType ? run.bytes : byteView(decodeTensorData(tensor.dataType, run.bytes));
    if (bytes.length !== run.rowCount * rowBytes) {
      throw new ModelFormatError(`Tensor ${tensor.name}: a run of ${run.rowCount} rows holds ${bytes.length} bytes.`);
    }
    heap.bytes(ptr + run.firstRow * rowBytes, bytes.length).set(bytes);
  }
  return { name: tensor.name, format, ptr, rows, cols, rowBytes };
}

function byteView(values: Float32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}
