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

/** Runs y = W·x for T tokens: over the calling thread alone, or split by rows over worker threads (thread-pool.ts). */
export interface MatmulRunner {
  readonly threads: number;
  /** Work split so far (none on one thread). */
  readonly split: SplitWork;
  /**
   * `quantized`: the block formats' x quantized (KernelExports.matmul; 0 for f32 / f16); FastOps.matmul prepares it.
   */
  matmul(matrix: CompactMatrix, x: number, y: number, tokens: number, quantized?: number): void;
  /** Ends the worker threads, if any. */
  close(): void;
}

/** The calling thread alone. */
export class SingleThread implements MatmulRunner {
  readonly threads = 1;
  readonly split: SplitWork = { chunks: 0, byWorkers: 0 };

  constructor(private readonly kernels: KernelExports) {}

  matmul(matrix: CompactMatrix, x: number, y: number, tokens: number, quantized = 0): void {
    const { format, ptr, rows, cols } = matrix;
    this.kernels.matmul(FORMAT_CODES[format], ptr, x, y, rows, cols, tokens, 0, rows, quantized);
  }

  close(): void {}
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

  /**
   * y = W·x for each of the `tokens` rows of x ([tokens, cols] → [tokens, rows]). For a block format x is quantized
   * to int16 per block first, once for the whole product (all threads read it), in scratch freed after it
   * (tokens × quantizedBytes(cols) bytes).
   */
  matmul(matrix: CompactMatrix, x: Vec, tokens: number): Vec {
    const y = this.vector(tokens * matrix.rows);
    if (!quantizesActivations(matrix.format)) {
      this.runner.matmul(matrix, x.ptr, y.ptr, tokens);
      return y;
    }
    const mark = this.heap.scratchMark();
    const quantized = this.vector((tokens * quantizedBytes(matrix.cols)) / 4).ptr;
    this.kernels.quantizeActivations(x.ptr, matrix.cols, tokens, quantized);
    this.runner.matmul(matrix, x.ptr, y.ptr, tokens, quantized);
    this.heap.releaseScratch(mark);
    return y;
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
