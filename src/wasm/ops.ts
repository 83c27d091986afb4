/**
 * What a generation's fast layer computes with: scratch vectors in the heap, and the kernels over them — matrix
 * products with compact weights (split by rows over the thread pool when there is one), norms and the WKV
 * recurrences. Element-wise steps are the oracle's own functions (src/cpu/ops.ts) writing into heap views.
 */
import type { Vec, WasmHeap } from './heap.js';
import { FORMAT_CODES, quantizedBytes, quantizesActivations, type KernelExports } from './kernels.js';
import type { CompactMatrix } from './weights.js';

/** Chunks of rows the split products have had, and how many of them worker threads computed. */
export interface SplitWork {
  chunks: number;
  byWorkers: number;
}

/**
 * y = W·x for `tokens` rows of x ([tokens, cols] → [tokens, rows]; addresses in the heap). `quantized`: the block
 * formats' x quantized (KernelExports.matmul; 0 for f32 / f16); FastOps.matmuls prepares it.
 */
export interface Product {
  matrix: CompactMatrix;
  x: number;
  y: number;
  tokens: number;
  quantized: number;
}

/** The whole of `product` on the calling thread. */
export function matmulAlone(kernels: KernelExports, { matrix, x, y, tokens, quantized }: Product): void {
  const { format, ptr, rows, cols } = matrix;
  kernels.matmul(FORMAT_CODES[format], ptr, x, y, rows, cols, tokens, 0, rows, quantized);
}

/**
 * Runs groups of matrix products: over the calling thread alone, or a group's rows split together over worker
 * threads (thread-pool.ts).
 */
export interface MatmulRunner {
  readonly threads: number;
  /** Work split so far (none on one thread). */
  readonly split: SplitWork;
  /** Computes every product; they may run at once, so none may read another's y. */
  matmul(products: readonly Product[]): void;
  /** Ends the worker threads, if any. */
  close(): void;
}

/** The calling thread alone: the products in order. */
export class SingleThread implements MatmulRunner {
  readonly threads = 1;
  readonly split: SplitWork = { chunks: 0, byWorkers: 0 };

  constructor(private readonly kernels: KernelExports) {}

  matmul(products: readonly Product[]): void {
    for (const product of products) matmulAlone(this.kernels, product);
  }

  close(): void {}
}

/** One product of a group (FastOps.matmuls): the matrix and the x it multiplies. */
export type ProductInput = readonly [matrix: CompactMatrix, x: Vec];

/** Floats of scratch the quantized x of `inputs` distinct inputs of `cols` values take in a group, at most. */
export function quantizedInputFloats(inputs: number, cols: number, tokens: number): number {
  return inputs * 4 * Math.ceil((tokens * quantizedBytes(cols)) / 16);
}

/** A norm's weight and bias, copied into the heap for the kernels. */
export interface HeapNorm {
  weight: number;
  bias: number;
}

export class FastOps {
  constructor(
    readonly heap: WasmHeap,
    readonly kernels: KernelExports,
    readonly runner: MatmulRunner,
  ) {}

  /** `count` floats of scratch. */
  vector(count: number): Vec {
    return this.heap.vector(count);
  }

  /** y = W·x for each of the `tokens` rows of x ([tokens, cols] → [tokens, rows]): `matmuls` of one product. */
  matmul(matrix: CompactMatrix, x: Vec, tokens: number): Vec {
    return this.matmuls([[matrix, x]], tokens)[0];
  }

  /**
   * y_i = W_i·x_i for each pair, `tokens` rows each, as one group of the runner: on threads, one wake-up for all of
   * them, their rows split together. No x may be another pair's y. For a block format x is quantized to int16 per
   * block first, once per distinct x (all threads read it), in scratch freed after the group
   * (tokens × quantizedBytes(cols) bytes each; `quantizedInputFloats`).
   */
  matmuls(pairs: readonly ProductInput[], tokens: number): Vec[] {
    const ys = pairs.map(([matrix]) => this.vector(tokens * matrix.rows));
    const mark = this.heap.scratchMark();
    const products: Product[] = [];
    pairs.forEach(([matrix, x], i) => {
      let quantized = 0;
      if (quantizesActivations(matrix.format)) {
        const cols = matrix.cols;
        const same = products.find(
          (earlier) => earlier.quantized !== 0 && earlier.x === x.ptr && earlier.matrix.cols === cols,
        );
        quantized = same?.quantized ?? this.vector((tokens * quantizedBytes(cols)) / 4).ptr;
        if (same === undefined) this.kernels.quantizeActivations(x.ptr, cols, tokens, quantized);
      }
      products.push({ matrix, x: x.ptr, y: ys[i].ptr, tokens, quantized });
    });
    this.runner.matmul(products);
    this.heap.releaseScratch(mark);
    return ys;
  }

  /** LayerNorm of each `width`-wide row (groups = 1) or GroupNorm over `groups` equal groups per row. */
  normalize(
    x: Vec,
    width: number,
    norm: HeapNorm,
    eps: number,
    groups = 1,
    out: Vec = this.vector(x.data.length),
  ): Vec {
    const size = width / groups;
    this.kernels.normalize(x.ptr, out.ptr, x.data.length / size, size, width, norm.weight, norm.bias, eps);
    return out;
  }

  /** A permanent copy of a norm's weight and bias in the heap. */
  heapNorm(weight: Float32Array, bias: Float32Array): HeapNorm {
    return { weight: this.permanent(weight), bias: this.permanent(bias) };
  }

  /** A permanent copy of `values` in the heap (a layer's decays and bonuses, for the WKV kernels); its address. */
  permanent(values: Float32Array): number {
    const ptr = this.heap.allocate(values.byteLength);
    this.heap.floats(ptr, values.length).set(values);
    return ptr;
  }
}
