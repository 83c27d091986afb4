/**
 * Reads a model stream into FastWeights (src/wasm/weights.ts), tensor by tensor: every linear weight goes into the
 * WebAssembly heap in a compact form the kernels read, run by run, never widened; every other tensor is kept as f32
 * in JavaScript. A linear weight is held
 * - as the file stores it when the kernels read that type (f32, f16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1);
 * - with a load-time quantization (`quantize: 'q8' | 'q4'`), as the GPU holds it (src/quantize/load-time-formats.ts):
 *   quantized to the policy's block type with the shared encoders, else — blocks the file has aside — in f16;
 * - else decoded to f32 (bf16, the K-quants).
 * A stacked matrix ([5, C, D]) is one matrix with its leading dims merged. Once every tensor has passed, the set is
 * checked (by the stream) and each matrix against its canonical shape.
 */
import { ModelFormatError } from '../errors.js';
import { isQuantizedType } from '../formats/quantized.js';
import { decodeTensorData, tensorByteLength } from '../formats/tensor-data.js';
import {
  rowCountOf,
  tensorValues,
  type ModelStream,
  type StreamedTensor,
  type TensorRun,
} from '../formats/tensor-stream.js';
import { isLinearWeight } from '../generations/weight-class.js';
import { elementCount } from '../model/spec.js';
import { encodeF16 } from '../numeric/half.js';
import { loadTimeBlockType, unquantizedFloatFormat, type LoadTimeQuantization } from '../quantize/load-time-formats.js';
import { quantizeRun } from '../quantize/quantize-run.js';
import type { WasmHeap } from '../wasm/heap.js';
import type { CompactFormat } from '../wasm/kernels.js';
import { FastWeights, type CompactMatrix } from '../wasm/weights.js';

export async function readFastWeights(
  stream: ModelStream,
  heap: WasmHeap,
  quantization: LoadTimeQuantization = { quantize: 'none' },
): Promise<FastWeights> {
  const matrices = new Map<string, CompactMatrix>();
  const vectors = new Map<string, Float32Array>();
  let matrixBytes = 0;
  const checked = await stream.forEachTensor(async (tensor) => {
    if (!isLinearWeight(tensor.name)) {
      vectors.set(tensor.name, await tensorValues(tensor));
      return;
    }
    const matrix = await readMatrix(tensor, heap, quantization);
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

/** The compact format a linear weight is held in, and the bytes of each of its runs in that format. */
function compactForm(
  tensor: StreamedTensor,
  cols: number,
  quantization: LoadTimeQuantization,
): { format: CompactFormat; encode(run: TensorRun): Uint8Array } {
  const stored = tensor.dataType;
  if (isQuantizedType(stored)) return { format: stored, encode: (run) => run.bytes };
  const blockType = loadTimeBlockType(tensor.name, cols, tensor.sourceType, quantization);
  if (blockType !== undefined) return { format: blockType, encode: (run) => quantizeRun(blockType, tensor, run) };
  const format = unquantizedFloatFormat(quantization) ?? (stored === 'f16' ? 'f16' : 'f32');
  if (format === stored) return { format, encode: (run) => run.bytes };
  const values = (run: TensorRun) => decodeTensorData(stored, run.bytes);
  return { format, encode: format === 'f16' ? (run) => encodeF16(values(run)) : (run) => byteView(values(run)) };
}

/** Copies a linear weight's runs into the heap in its compact form (`compactForm`). */
async function readMatrix(
  tensor: StreamedTensor,
  heap: WasmHeap,
  quantization: LoadTimeQuantization,
): Promise<CompactMatrix> {
  const cols = tensor.shape[tensor.shape.length - 1];
  const rows = rowCountOf(tensor.shape);
  const { format, encode } = compactForm(tensor, cols, quantization);
  const rowBytes = tensorByteLength(format, cols);
  const ptr = heap.allocate(rows * rowBytes);
  for await (const run of tensor.runs()) {
    const bytes = encode(run);
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
