/**
 * Matrix products split by rows over worker threads that share the WebAssembly memory. Each worker runs the
 * shared-memory kernels module's `threadLoop` (assembly/threads.ts, which documents the control block): the calling
 * thread writes a job into the control block, bumps the job counter and wakes the workers, computes its own share
 * (thread 0's rows), then sleeps until every worker has counted itself done. The caller blocks in `Atomics.wait`,
 * so the pool runs where blocking is allowed: a Web Worker, or Node's main thread — never a page's main thread.
 * Every row is computed by the same kernel code whatever the split, so results equal one thread's bit for bit.
 */
import type { WasmHeap } from './heap.js';
import { FORMAT_CODES, type KernelExports } from './kernels.js';
import type { MatmulRunner } from './ops.js';
import type { CompactMatrix } from './weights.js';

/** What a worker needs to join: the shared module and memory, the control block's address and its thread index. */
export interface ThreadStart {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: number;
  index: number;
}

/** A started worker (its `threadLoop` running or about to). */
export interface StartedThread {
  terminate(): void;
}

/** Starts one worker thread in this environment; resolves once it has instantiated the module. */
export type ThreadSpawner = (start: ThreadStart) => Promise<StartedThread>;

/** The control block's words (assembly/threads.ts). */
const JOB = 0;
const DONE = 1;
const OPERATION = 2;
const THREADS = 3;
const ARGUMENTS = 4;
const CONTROL_BYTES = 64;
const STOP = 0;
const MATMUL = 1;

/**
 * Fewest multiply-adds a product needs to be split: below it, waking the workers costs more than it saves (the
 * LoRA products of a decode step, 64 × 768, stay on the calling thread).
 */
const MIN_SPLIT_WORK = 1 << 18;

export class ThreadPool implements MatmulRunner {
  private constructor(
    private readonly kernels: KernelExports,
    private readonly control: Int32Array,
    private readonly workers: readonly StartedThread[],
  ) {}

  /** A pool of `threads` threads: the caller and `threads − 1` workers started by `spawn`. */
  static async open(
    heap: WasmHeap,
    kernels: KernelExports,
    module: WebAssembly.Module,
    threads: number,
    spawn: ThreadSpawner,
  ): Promise<ThreadPool> {
    const control = heap.allocate(CONTROL_BYTES);
    const words = new Int32Array(heap.memory.buffer, control, CONTROL_BYTES / 4);
    words.fill(0);
    const started = await Promise.allSettled(
      Array.from({ length: threads - 1 }, (_, i) => spawn({ module, memory: heap.memory, control, index: i + 1 })),
    );
    const workers = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const failure = started.find((result) => result.status === 'rejected');
    const pool = new ThreadPool(kernels, words, workers);
    if (failure !== undefined) {
      pool.close();
      throw failure.reason;
    }
    return pool;
  }

  get threads(): number {
    return this.workers.length + 1;
  }

  matmul(matrix: CompactMatrix, x: number, y: number, tokens: number): void {
    const { format, ptr, rows, cols } = matrix;
    const code = FORMAT_CODES[format];
    const threads = this.threads;
    if (rows * cols * tokens < MIN_SPLIT_WORK || rows < threads) {
      this.kernels.matmul(code, ptr, x, y, rows, cols, tokens, 0, rows);
      return;
    }
    const control = this.control;
    control[DONE] = 0;
    control[OPERATION] = MATMUL;
    control[THREADS] = threads;
    control.set([code, ptr, x, y, rows, cols, tokens], ARGUMENTS);
    Atomics.add(control, JOB, 1);
    Atomics.notify(control, JOB);
    this.kernels.matmul(code, ptr, x, y, rows, cols, tokens, 0, Math.floor(rows / threads));
    for (let done = Atomics.load(control, DONE); done < threads - 1; done = Atomics.load(control, DONE)) {
      Atomics.wait(control, DONE, done);
    }
  }

  /** Stops the workers (they leave their loop) and ends them. */
  close(): void {
    this.control[OPERATION] = STOP;
    Atomics.add(this.control, JOB, 1);
    Atomics.notify(this.control, JOB);
    for (const worker of this.workers) worker.terminate();
  }
}
