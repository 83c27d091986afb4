/**
 * Model weights on the GPU, uploaded one canonical tensor at a time (so that a streaming loader can feed tensors as
 * they arrive and drop each one's CPU copy at once) — or, for a linear weight streamed in runs of rows
 * (src/formats/tensor-stream.ts), run by run, so that not even the largest matrix is ever whole in memory.
 *
 * Which tensor is which is each generation's upload policy (its module's `upload`, src/generations/), read here once:
 * - Linear-layer weights (the embedding, the head, every `….weight` matrix and the LoRA matrices) go to the GPU
 *   matrix layout (src/gpu/matrix-layout.ts) as f32 or as f16 packed two per u32, split by rows into parts that each
 *   fit one binding. Quantized sources arrive dequantized to f32 (the loader's job) and are uploaded like any other.
 * - Every other tensor (norms, mixes, decays, bonuses) is a plain f32 storage buffer.
 * - Stacked tensors are split into their parts, named `<name>.<i>` (v7 `att.x_rwkvag`: 6 mixes); stacked matrices
 *   stay one matrix, their leading dims merged (v6 `att.time_maa_w2` [5, C, D] as [5·C, D], for a grouped product).
 * - A streamed run is written with `queue.writeBuffer` into the matrix's row-split parts: as it is when its bytes are
 *   already the GPU layout (f32 → f32 or f16 → f16 with rows of whole 16-byte chunks), else decoded and packed.
 * - Values are uploaded as they are: no tensor is transformed on its way to the GPU.
 */
import { ModelFormatError } from '../errors.js';
import { createBuffer, uploadBuffer } from '../gpu/buffers.js';
import { destroyMatrix, maxPartBytes, uploadMatrix, type GpuMatrix } from '../gpu/gpu-matrix.js';
import { chunkLength, packRows, planRowSplit, rowBytes, type WeightFormat } from '../gpu/matrix-layout.js';
import { decodeTensorData } from '../formats/tensor-data.js';
import { tensorValues, type StreamedTensor, type TensorRun } from '../formats/tensor-stream.js';
import type { GpuWeights } from '../gpu/step/gpu-weights.js';
import { GENERATION_MODULES } from '../generations/registry.js';
import { elementCount, type SourceType, type Tensor } from '../model/spec.js';

/** Every generation's upload policy in one table (no canonical name means different things in two generations). */
const MATRICES = new Set(Object.values(GENERATION_MODULES).flatMap((module) => module.upload.matrices));
const STACKED = new Map(Object.values(GENERATION_MODULES).flatMap((module) => Object.entries(module.upload.stacked)));
const BLOCK_PREFIX = /^blocks\.\d+\./;

/** Whether a canonical tensor is a linear weight (uploaded in the GPU matrix layout, f16 when asked). */
export function isLinearWeight(name: string): boolean {
  return name === 'emb.weight' || name === 'head.weight' || MATRICES.has(name.replace(BLOCK_PREFIX, ''));
}

/** A linear weight of more than two dims (stacked matrices, v6's time_maa_w2 [5, C, D]) as one matrix [5·C, D]. */
function matrixShape(tensor: Tensor): readonly number[] {
  const { shape } = tensor;
  if (!isLinearWeight(tensor.name) || shape.length <= 2) return shape;
  return [elementCount(shape.slice(0, -1)), shape[shape.length - 1]];
}

/** How many parts a stacked tensor is split into (undefined for any other). */
function stackedParts(name: string): number | undefined {
  return BLOCK_PREFIX.test(name) ? STACKED.get(name.replace(BLOCK_PREFIX, '')) : undefined;
}

export interface WeightUploadOptions {
  /** 'f32' (default) or 'f16' packed two per u32 (exact for FP16 sources, rounded to nearest for others). */
  weightType?: WeightFormat;
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

interface Piece {
  name: string;
  shape: readonly number[];
  data: Float32Array;
}

function pieces(tensor: Tensor): Piece[] {
  const parts = stackedParts(tensor.name);
  if (parts === undefined) return [{ name: tensor.name, shape: matrixShape(tensor), data: tensor.data }];
  const length = tensor.data.length / parts;
  const columns = tensor.shape[tensor.shape.length - 1];
  if (!Number.isInteger(length) || length % columns !== 0) {
    throw new ModelFormatError(
      `Tensor ${tensor.name} [${tensor.shape.join(', ')}] does not split into ${parts} parts.`,
    );
  }
  const shape = isLinearWeight(tensor.name) ? [length / columns, columns] : [length];
  return Array.from({ length: parts }, (_, i) => ({
    name: `${tensor.name}.${i}`,
    shape,
    data: tensor.data.subarray(i * length, (i + 1) * length),
  }));
}

export function createWeightUploader(device: GPUDevice, options: WeightUploadOptions = {}): WeightUploader {
  const weightType = options.weightType ?? 'f32';
  const partLimit = options.maxBindingBytes ?? maxPartBytes(device);
  const matrices = new Map<string, GpuMatrix>();
  const vectors = new Map<string, { buffer: GPUBuffer; length: number }>();
  let byteLength = 0;

  const destroy = () => {
    for (const matrix of matrices.values()) destroyMatrix(matrix);
    for (const { buffer } of vectors.values()) buffer.destroy();
    matrices.clear();
    vectors.clear();
  };

  const refuseDuplicate = (name: string) => {
    if (matrices.has(name) || vectors.has(name)) throw new ModelFormatError(`Tensor ${name} was given twice.`);
  };

  const addPiece = (piece: Piece, linear: boolean) => {
    refuseDuplicate(piece.name);
    if (piece.data.length !== elementCount(piece.shape)) {
      throw new ModelFormatError(`Tensor ${piece.name}: ${piece.data.length} values for shape [${piece.shape}].`);
    }
    if (linear) {
      if (piece.shape.length !== 2) {
        throw new ModelFormatError(`Tensor ${piece.name} should be a matrix but has shape [${piece.shape}].`);
      }
      const [rows, columns] = piece.shape;
      const matrix = uploadMatrix(device, piece.data, rows, columns, weightType, piece.name, partLimit);
      matrices.set(piece.name, matrix);
      byteLength += matrix.parts.reduce((sum, part) => sum + part.buffer.size, 0);
      return;
    }
    const buffer = uploadBuffer(device, piece.data, piece.name);
    vectors.set(piece.name, { buffer, length: piece.data.length });
    byteLength += buffer.size;
  };

  const add = (tensor: Tensor) => {
    const linear = isLinearWeight(tensor.name);
    for (const piece of pieces(tensor)) addPiece(piece, linear);
  };

  const addMatrixRuns = async (tensor: StreamedTensor) => {
    const [rows, columns] = tensor.shape;
    refuseDuplicate(tensor.name);
    const bytesPerRow = rowBytes(columns, weightType);
    const matrix: GpuMatrix = {
      rows,
      columns,
      format: weightType,
      parts: planRowSplit(rows, bytesPerRow, partLimit).map((part) => ({
        ...part,
        buffer: createBuffer(
          device,
          part.rowCount * bytesPerRow,
          `${tensor.name} rows ${part.firstRow}+${part.rowCount}`,
        ),
      })),
    };
    matrices.set(tensor.name, matrix);
    byteLength += matrix.parts.reduce((sum, part) => sum + part.buffer.size, 0);
    let nextRow = 0;
    for await (const run of tensor.runs()) {
      if (run.firstRow !== nextRow || run.firstRow + run.rowCount > rows) {
        throw new ModelFormatError(`Tensor ${tensor.name}: rows ${run.firstRow}+${run.rowCount} arrived out of order.`);
      }
      writeRun(device, matrix, run, tensor.dataType);
      nextRow += run.rowCount;
      await device.queue.onSubmittedWorkDone();
    }
    if (nextRow !== rows) throw new ModelFormatError(`Tensor ${tensor.name}: ${nextRow} of ${rows} rows arrived.`);
  };

  return {
    add,
    async addRuns(tensor) {
      const streamsByRows =
        isLinearWeight(tensor.name) && tensor.shape.length === 2 && stackedParts(tensor.name) === undefined;
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
        matrix(name, rows, columns) {
          const matrix = matrices.get(name);
          if (!matrix) throw new ModelFormatError(`Tensor ${name} is missing from the model.`);
          if (matrix.rows !== rows || matrix.columns !== columns) {
            throw new ModelFormatError(
              `Tensor ${name} has shape [${matrix.rows}, ${matrix.columns}]; expected [${rows}, ${columns}].`,
            );
          }
          return matrix;
        },
        vector(name, length) {
          const vector = vectors.get(name);
          if (!vector) throw new ModelFormatError(`Tensor ${name} is missing from the model.`);
          if (vector.length !== length) {
            throw new ModelFormatError(`Tensor ${name} has ${vector.length} values; expected ${length}.`);
          }
          return vector.buffer;
        },
        destroy,
      };
    },
  };
}

/** Whether raw values of `type` in rows of `columns` are already the GPU matrix layout of `format`. */
function isGpuLayout(type: SourceType, format: WeightFormat, columns: number): boolean {
  return type === format && columns % chunkLength(format) === 0;
}

/** Writes a run of rows into the matrix parts that hold them. */
function writeRun(device: GPUDevice, matrix: GpuMatrix, run: TensorRun, type: SourceType): void {
  const { columns, format } = matrix;
  const bytesPerRow = rowBytes(columns, format);
  const packed = isGpuLayout(type, format, columns)
    ? run.bytes
    : new Uint8Array(packRows(decodeTensorData(type, run.bytes), columns, format).buffer);
  const runEnd = run.firstRow + run.rowCount;
  for (const part of matrix.parts) {
    const first = Math.max(run.firstRow, part.firstRow);
    const end = Math.min(runEnd, part.firstRow + part.rowCount);
    if (first >= end) continue;
    device.queue.writeBuffer(
      part.buffer,
      (first - part.firstRow) * bytesPerRow,
      packed,
      (first - run.firstRow) * bytesPerRow,
      (end - first) * bytesPerRow,
    );
  }
}
