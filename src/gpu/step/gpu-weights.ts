/**
 * What a GPU layer reads the model's weights through: each canonical tensor by name, as a matrix in the GPU matrix
 * layout or as a plain f32 buffer, checked against the shape the layer expects (src/runtime/weights.ts uploads them).
 */
import type { GpuMatrix } from '../gpu-matrix.js';
import type { WeightFormat } from '../matrix-layout.js';

/** What one canonical tensor (or stacked part) took on the GPU. */
export interface UploadedTensor {
  /** Its GPU format (f32 for a plain vector). */
  format: WeightFormat;
  /** Bytes of GPU buffers allocated for it. */
  bytes: number;
  /** Values it holds. */
  values: number;
}

export interface GpuWeights {
  readonly weightType: WeightFormat;
  /** Bytes of GPU memory the weights occupy. */
  readonly byteLength: number;
  /** Every tensor uploaded, by name. */
  readonly tensors: ReadonlyMap<string, UploadedTensor>;
  /** The linear weight `name`, checked to be [rows, columns]. */
  matrix(name: string, rows: number, columns: number): GpuMatrix;
  /** The f32 tensor `name`, checked to hold `length` values. */
  vector(name: string, length: number): GPUBuffer;
  /**
   * The f32 tensors `names`, each checked to hold `length` values, as one [names.length, length] buffer (one binding
   * for a kernel that reads several per-channel vectors: v4–v6's token-shift mixes, v7's WKV vectors). Made on the GPU at the first
   * request (a copy; the vectors stay) and kept with the weights; a single name is its vector.
   */
  stack(names: readonly string[], length: number): GPUBuffer;
  /**
   * Moves the named matrices (unsplit ones; a split one stays where it is) into shared buffers — one per weight
   * format, each within the binding limit — so that one grouped product (shaders/matvec.wgsl `grouped`) reads several
   * of them; `matrix` gives them where they now lie. Asking again for matrices already shared changes nothing.
   */
  shareBuffers(names: readonly string[]): void;
  /** Whether `buffer` is one of the weights' buffers (the bench tells weight reads from activation reads). */
  holds(buffer: GPUBuffer): boolean;
  destroy(): void;
}
