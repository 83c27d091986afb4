/**
 * The fast CPU backend's weights as its layers read them (loaded by src/wasm-runtime/read-weights.ts): linear
 * weights as compact matrices in the WebAssembly heap, [rows, cols] = canonical [out, in], in a format the kernels
 * read; every other tensor (norms, mixes, decays) as a small f32 array in JavaScript.
 */
import { ModelFormatError } from '../errors.js';
import type { LoraDims, ModelSpec } from '../model/spec.js';
import type { CompactFormat } from './kernels.js';

export interface CompactMatrix {
  name: string;
  format: CompactFormat;
  /** Address of row 0 in the heap; rows follow each other without gaps. */
  ptr: number;
  rows: number;
  cols: number;
  /** Bytes of one row. */
  rowBytes: number;
}

export class FastWeights {
  constructor(
    readonly spec: ModelSpec,
    /** Canonical shape by name. */
    readonly shapes: ReadonlyMap<string, readonly number[]>,
    private readonly matrices: ReadonlyMap<string, CompactMatrix>,
    private readonly vectors: ReadonlyMap<string, Float32Array>,
    /** Bytes of the heap the matrices take. */
    readonly matrixBytes: number,
  ) {}

  /** Every matrix by name. */
  allMatrices(): Iterable<CompactMatrix> {
    return this.matrices.values();
  }

  /** Every small tensor by name. */
  allVectors(): Iterable<[string, Float32Array]> {
    return this.vectors.entries();
  }

  /** A matrix of exact shape [rows, cols]. */
  matrix(name: string, rows: number, cols: number): CompactMatrix {
    const matrix = this.matrices.get(name);
    if (matrix === undefined) throw new ModelFormatError(`Tensor ${name} is missing from the model.`);
    if (matrix.rows !== rows || matrix.cols !== cols) {
      throw new ModelFormatError(`Tensor ${name} is [${matrix.rows}, ${matrix.cols}]; expected [${rows}, ${cols}].`);
    }
    return matrix;
  }

  /** A tensor of `count` values, whatever its shape. */
  values(name: string, count: number): Float32Array {
    const data = this.vectors.get(name);
    if (data === undefined) throw new ModelFormatError(`Tensor ${name} is missing from the model.`);
    if (data.length !== count)
      throw new ModelFormatError(`Tensor ${name} has ${data.length} values; expected ${count}.`);
    return data;
  }

  /** A LoRA width from the spec; a model of this generation must declare it. */
  loraWidth(key: keyof LoraDims): number {
    const width = this.spec.lora[key];
    if (width === undefined || !Number.isInteger(width) || width <= 0) {
      throw new ModelFormatError(`Generation ${this.spec.generation} model spec lacks the LoRA width "${key}".`);
    }
    return width;
  }

  /** The formats the matrices are kept in, with their bytes. */
  formats(): Partial<Record<CompactFormat, number>> {
    const bytes: Partial<Record<CompactFormat, number>> = {};
    for (const matrix of this.matrices.values()) {
      bytes[matrix.format] = (bytes[matrix.format] ?? 0) + matrix.rows * matrix.rowBytes;
    }
    return bytes;
  }
}

/** Rows [first, first + count) of a matrix, as a matrix (one of the stacked matrices of a [5·C, D] tensor). */
export function matrixRows(matrix: CompactMatrix, first: number, count: number): CompactMatrix {
  if (first < 0 || count < 0 || first + count > matrix.rows) {
    throw new RangeError(`rows [${first}, ${first + count}) of ${matrix.name} (${matrix.rows} rows)`);
  }
  return { ...matrix, ptr: matrix.ptr + first * matrix.rowBytes, rows: count };
}
