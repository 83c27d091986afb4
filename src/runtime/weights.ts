/**
 * Model weights on the GPU, uploaded one canonical tensor at a time (so that a streaming loader can feed tensors as
 * they arrive and drop each one's CPU copy at once) — or, for a linear weight streamed in runs of rows
 * (src/formats/tensor-stream.ts), run by run, so that not even the largest matrix is ever whole in memory.
 *
 * Which tensor is which is each generation's upload policy (its module's `upload`, src/generations/), read here once:
 * - Linear-layer weights (the embedding, the head, every `….weight` matrix and the LoRA matrices) go to the GPU
 *   matrix layout (src/gpu/matrix-layout.ts), split by rows into parts that each fit one binding. A matrix streamed
 *   as ggml blocks (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1) stays in its block format (src/gpu/block-layout.ts, repacked
 *   losslessly run by run). With a load-time `quantization`, the f32 / f16 / bf16 linear weights its policy names
 *   are quantized to blocks run by run (src/quantize/) and take the same path. Any other matrix becomes f32 or f16
 *   packed two per u32 (`weightType`). A tensor handed over whole (`add`) holds f32 values, whatever its source
 *   type: it is quantized when the policy says so, else uploaded as `weightType`.
 * - Every other tensor (norms, mixes, decays, bonuses) is a plain f32 storage buffer.
 * - Stacked tensors stay whole: a vector stack is one buffer (v7 `att.x_rwkvag` [6, C], read by one dispatch), a
 *   matrix stack one matrix with its leading dims merged (v6 `att.time_maa_w2` [5, C, D] as [5·C, D], for a grouped
 *   product). Vectors a layer reads through one binding (v4–v6's token-shift mixes, v7's WKV vectors) are stacked on
 *   request (`stack`: a GPU copy made when the layer is built, in addition to the vectors).
 * - A streamed run is written with `queue.writeBuffer` into the matrix's row-split parts (gpu-matrix.ts
 *   writeMatrixRows): as it is when its bytes are already the GPU layout, else repacked or decoded and packed.
 * - Values are uploaded as they are (or quantized, when asked): no tensor is otherwise transformed on its way.
 * - Once uploaded, a layer may ask for some matrices to share buffers (`shareBuffers`: the GPU copies them, bytes as
 *   they are, into one buffer per format at 256-byte-aligned offsets, for a grouped product).
 */
import { ModelFormatError } from '../errors.js';
import { quantizeBlocks } from '../formats/quantize-blocks.js';
import { loadTimeBlockType, unquantizedFloatFormat, type LoadTimeQuantization } from '../quantize/load-time-formats.js';
import { quantizeRun } from '../quantize/quantize-run.js';
import { createBuffer, uploadBuffer } from '../gpu/buffers.js';
import { checkGpuErrors } from '../gpu/device.js';
import { blockRegions, isBlockFormat, repackBlocks, rowOffsets } from '../gpu/block-layout.js';
import {
  allocateMatrix,
  destroyMatrix,
  matrixByteLength,
  maxPartBytes,
  SHARED_MATRIX_ALIGNMENT,
  shareBuffer,
  uploadBlockMatrix,
  uploadMatrix,
  type GpuMatrix,
  type GpuMatrixPart,
} from '../gpu/gpu-matrix.js';
import { chunkLength, packRows, rowBytes, type FloatFormat, type WeightFormat } from '../gpu/matrix-layout.js';
import { decodeTensorData } from '../formats/tensor-data.js';
import { tensorValues, type ModelStream, type StreamedTensor } from '../formats/tensor-stream.js';
import type { GpuWeights, UploadedTensor } from '../gpu/step/gpu-weights.js';
import { isLinearWeight } from '../generations/weight-class.js';
import { elementCount, type ModelSpec, type SourceType, type Tensor } from '../model/spec.js';

/** A linear weight of more than two dims (stacked matrices, v6's time_maa_w2 [5, C, D]) as one matrix [5·C, D]. */
function matrixShape(tensor: Tensor): readonly number[] {
  const { shape } = tensor;
  if (!isLinearWeight(tensor.name) || shape.length <= 2) return shape;
  return [elementCount(shape.slice(0, -1)), shape[shape.length - 1]];
}

export interface WeightUploadOptions {
  /**
   * Float matrices: 'f32' or 'f16' packed two per u32 (exact for FP16 sources, rounded to nearest for others);
   * default 'f16' with a load-time quantization (the linear weights it leaves unquantized), else 'f32'. Matrices
   * streamed as quantized blocks keep their block format.
   */
  weightType?: FloatFormat;
  /**
   * Load-time quantization (src/quantize/load-time-formats.ts decides which linear weights and into which block
   * type); default none. Blocks a file already holds are kept as they are, never re-quantized.
   */
  quantization?: LoadTimeQuantization;
  /** Largest binding of one matrix part in bytes; the device's limit by default (tests force small splits). */
  maxBindingBytes?: number;
}

export interface WeightUploader {
  /** Uploads one canonical tensor (in any order). The tensor's data is not kept. */
  add(tensor: Tensor): void;
  /**
   * Uploads a tensor whose values arrive in runs of rows: a linear weight run by run, waiting for the GPU queue after
   * each; any other tensor (small) gathered and added whole.
   */
  addRuns(tensor: StreamedTensor): Promise<void>;
  /** The uploaded weights; tensors that are missing or misshapen are reported when a layer asks for them. */
  finish(): GpuWeights;
}

export function createWeightUploader(device: GPUDevice, options: WeightUploadOptions = {}): WeightUploader {
  const quantization = options.quantization ?? { quantize: 'none' };
  const weightType = options.weightType ?? unquantizedFloatFormat(quantization) ?? 'f32';
  const partLimit = options.maxBindingBytes ?? maxPartBytes(device);
  const quantizedAtLoad = (name: string, columns: number, sourceType: SourceType) =>
    loadTimeBlockType(name, columns, sourceType, quantization);
  const matrices = new Map<string, GpuMatrix>();
  const vectors = new Map<string, { buffer: GPUBuffer; length: number }>();
  const stacks = new Map<string, GPUBuffer>();
  /** Matrices moved into a shared buffer. */
  const shared = new Set<string>();
  const uploaded = new Map<string, UploadedTensor>();
  let byteLength = 0;
  const record = (name: string, format: WeightFormat, bytes: number, values: number) => {
    uploaded.set(name, { format, bytes, values });
    byteLength += bytes;
  };

  const destroy = () => {
    for (const matrix of matrices.values()) destroyMatrix(matrix);
    for (const { buffer } of vectors.values()) buffer.destroy();
    for (const buffer of stacks.values()) buffer.destroy();
    // (a shared buffer is destroyed once per matrix in it: destroying a buffer again does nothing)
    matrices.clear();
    vectors.clear();
    stacks.clear();
  };

  const vector = (name: string, length: number): GPUBuffer => {
    const found = vectors.get(name);
    if (!found) throw new ModelFormatError(`Tensor ${name} is missing from the model.`);
    if (found.length !== length) {
      throw new ModelFormatError(`Tensor ${name} has ${found.length} values; expected ${length}.`);
    }
    return found.buffer;
  };

  const refuseDuplicate = (name: string) => {
    if (matrices.has(name) || vectors.has(name)) throw new ModelFormatError(`Tensor ${name} was given twice.`);
  };

  const add = (tensor: Tensor) => {
    const { name, data } = tensor;
    const shape = matrixShape(tensor);
    refuseDuplicate(name);
    if (data.length !== elementCount(shape)) {
      throw new ModelFormatError(`Tensor ${name}: ${data.length} values for shape [${shape}].`);
    }
    if (isLinearWeight(name)) {
      if (shape.length !== 2) throw new ModelFormatError(`Tensor ${name} should be a matrix but has shape [${shape}].`);
      const [rows, columns] = shape;
      const blockType = quantizedAtLoad(name, columns, tensor.sourceType);
      const matrix = blockType
        ? uploadBlockMatrix(
            device,
            quantizeBlocks(blockType, data, `Tensor ${name}`),
            rows,
            columns,
            blockType,
            name,
            partLimit,
          )
        : uploadMatrix(device, data, rows, columns, weightType, name, partLimit);
      matrices.set(name, matrix);
      record(name, matrix.format, matrixByteLength(matrix), data.length);
      return;
    }
    const buffer = uploadBuffer(device, data, name);
    vectors.set(name, { buffer, length: data.length });
    record(name, 'f32', buffer.size, data.length);
  };

  const addMatrixRuns = async (tensor: StreamedTensor) => {
    const [rows, columns] = tensor.shape;
    refuseDuplicate(tensor.name);
    const blockType = isBlockFormat(tensor.dataType)
      ? undefined
      : quantizedAtLoad(tensor.name, columns, tensor.sourceType);
    const format: WeightFormat = isBlockFormat(tensor.dataType) ? tensor.dataType : (blockType ?? weightType);
    const matrix = allocateMatrix(device, rows, columns, format, tensor.name, partLimit);
    matrices.set(tensor.name, matrix);
    record(tensor.name, format, matrixByteLength(matrix), rows * columns);
    let nextRow = 0;
    for await (const run of tensor.runs()) {
      if (run.firstRow !== nextRow || run.firstRow + run.rowCount > rows) {
        throw new ModelFormatError(`Tensor ${tensor.name}: rows ${run.firstRow}+${run.rowCount} arrived out of order.`);
      }
      if (blockType) {
        const blocks = quantizeRun(blockType, tensor, run);
        writeMatrixRows(device, matrix, run.firstRow, run.rowCount, blocks, blockType);
      } else {
        writeMatrixRows(device, matrix, run.firstRow, run.rowCount, run.bytes, tensor.dataType);
      }
      nextRow += run.rowCount;
      await device.queue.onSubmittedWorkDone();
    }
    if (nextRow !== rows) throw new ModelFormatError(`Tensor ${tensor.name}: ${nextRow} of ${rows} rows arrived.`);
  };

  const matrix = (name: string, rows: number, columns: number): GpuMatrix => {
    const found = matrices.get(name);
    if (!found) throw new ModelFormatError(`Tensor ${name} is missing from the model.`);
    if (found.rows !== rows || found.columns !== columns) {
      throw new ModelFormatError(
        `Tensor ${name} has shape [${found.rows}, ${found.columns}]; expected [${rows}, ${columns}].`,
      );
    }
    return found;
  };

  /** Moves `names` (unsplit, not yet shared) into buffers of at most `partLimit` bytes, one format per buffer. */
  const shareBuffers = (names: readonly string[]) => {
    const byFormat = new Map<WeightFormat, string[][]>();
    const bytes = new Map<string[], number>();
    for (const name of names) {
      const found = matrices.get(name);
      if (!found) throw new ModelFormatError(`Tensor ${name} is missing from the model.`);
      if (shared.has(name) || found.parts.length !== 1) continue;
      const size = Math.ceil(found.parts[0].size / SHARED_MATRIX_ALIGNMENT) * SHARED_MATRIX_ALIGNMENT;
      const runs = byFormat.get(found.format) ?? [];
      byFormat.set(found.format, runs);
      let run = runs[runs.length - 1];
      if (!run || (bytes.get(run) ?? 0) + size > partLimit) {
        run = [];
        runs.push(run);
      }
      run.push(name);
      bytes.set(run, (bytes.get(run) ?? 0) + size);
    }
    for (const run of [...byFormat.values()].flat()) {
      if (run.length < 2) continue;
      const members = run.map((name) => matrices.get(name) as GpuMatrix);
      const placed = shareBuffer(device, members, `shared: ${run.join(', ')}`);
      byteLength += placed[0].parts[0].buffer.size - members.reduce((sum, m) => sum + matrixByteLength(m), 0);
      run.forEach((name, i) => {
        matrices.set(name, placed[i]);
        shared.add(name);
      });
    }
  };

  return {
    add,
    async addRuns(tensor) {
      const streamsByRows = isLinearWeight(tensor.name) && tensor.shape.length === 2;
      if (streamsByRows) return addMatrixRuns(tensor);
      const { name, shape, sourceType } = tensor;
      add({ name, shape, sourceType, data: await tensorValues(tensor) });
    },
    finish() {
      return {
        weightType,
        get byteLength() {
          return byteLength;
        },
        tensors: uploaded,
        matrix,
        vector,
        stack(names, length) {
          if (names.length === 1) return vector(names[0], length);
          const key = names.join(' + ');
          const made = stacks.get(key);
          if (made) return made;
          const parts = names.map((name) => vector(name, length));
          const bytes = length * 4;
          const stacked = createBuffer(device, names.length * bytes, key);
          const encoder = device.createCommandEncoder({ label: `stack ${key}` });
          parts.forEach((part, i) => encoder.copyBufferToBuffer(part, 0, stacked, i * bytes, bytes));
          device.queue.submit([encoder.finish()]);
          stacks.set(key, stacked);
          byteLength += stacked.size;
          return stacked;
        },
        shareBuffers,
        holds(buffer) {
          for (const { buffer: own } of vectors.values()) if (own === buffer) return true;
          for (const own of stacks.values()) if (own === buffer) return true;
          for (const found of matrices.values()) if (found.parts.some((part) => part.buffer === buffer)) return true;
          return false;
        },
        destroy,
      };
    },
  };
}

/**
 * Uploads every tensor of `stream` as it arrives (matrices run by run), each in its own GPU error scope (an
 * allocation the GPU refuses fails the load at that tensor), and checks the set; on failure, what was uploaded is
 * destroyed.
 */
export async function uploadModelStream(
  device: GPUDevice,
  stream: ModelStream,
  options: WeightUploadOptions = {},
): Promise<{ spec: ModelSpec; weights: GpuWeights }> {
  const uploader = createWeightUploader(device, options);
  try {
    const checked = await stream.forEachTensor((tensor) =>
      checkGpuErrors(device, `uploading tensor ${tensor.name}`, () => uploader.addRuns(tensor)),
    );
    return { spec: checked.spec, weights: uploader.finish() };
  } catch (error) {
    uploader.finish().destroy();
    throw error;
  }
}

/** Whether raw values of `type` in rows of `columns` are already the GPU layout of float `format`. */
function isFloatLayout(type: SourceType, format: FloatFormat, columns: number): boolean {
  return type === format && columns % chunkLength(format) === 0;
}

/**
 * Writes rows [firstRow, firstRow + rowCount) of `matrix` from `bytes` of `type` into the parts that hold them: a
 * block format from blocks of the same type (repacked), a float format from any float type (as it is when it is
 * already the layout, else decoded and packed).
 */
function writeMatrixRows(
  device: GPUDevice,
  matrix: GpuMatrix,
  firstRow: number,
  rowCount: number,
  bytes: Uint8Array,
  type: SourceType,
): void {
  const { columns, format } = matrix;
  if (isBlockFormat(format)) {
    if (type !== format) throw new ModelFormatError(`${type} rows cannot be written into a ${format} matrix.`);
    const repacked = repackBlocks(format, bytes, rowCount, columns);
    const flat = { highBitsOffset: 0, scalesOffset: 0, byteLength: 0 };
    forEachPartRange(matrix, firstRow, rowCount, (part, first, end) => {
      const target = rowOffsets(format, blockRegions(format, part.rowCount, columns), first - part.firstRow, columns);
      const from = rowOffsets(format, flat, first - firstRow, columns);
      const to = rowOffsets(format, flat, end - firstRow, columns);
      for (const region of ['values', 'highBits', 'scales'] as const) {
        if (repacked[region].length === 0) continue; // no high bits but in Q5
        const length = to[region] - from[region];
        device.queue.writeBuffer(part.buffer, part.offset + target[region], repacked[region], from[region], length);
      }
    });
    return;
  }
  const bytesPerRow = rowBytes(columns, format);
  const packed = isFloatLayout(type, format, columns)
    ? bytes
    : new Uint8Array(packRows(decodeTensorData(type, bytes), columns, format).buffer);
  forEachPartRange(matrix, firstRow, rowCount, (part, first, end) => {
    device.queue.writeBuffer(
      part.buffer,
      part.offset + (first - part.firstRow) * bytesPerRow,
      packed,
      (first - firstRow) * bytesPerRow,
      (end - first) * bytesPerRow,
    );
  });
}

/** Calls `write` with each part that holds some of rows [firstRow, firstRow + rowCount) and the rows it holds. */
function forEachPartRange(
  matrix: GpuMatrix,
  firstRow: number,
  rowCount: number,
  write: (part: GpuMatrixPart, first: number, end: number) => void,
): void {
  for (const part of matrix.parts) {
    const first = Math.max(firstRow, part.firstRow);
    const end = Math.min(firstRow + rowCount, part.firstRow + part.rowCount);
    if (first < end) write(part, first, end);
  }
}
