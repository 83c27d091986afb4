/**
 * Matrix products split by rows over worker threads that share the WebAssembly memory. Each worker runs the
 * shared-memory kernels module's `threadLoop` (assembly/threads.ts, which documents the control block and the
 * claims): the calling thread writes a job into the control block, opens it and wakes the workers, claims and
 * computes chunks of rows alongside them until none is left, then sleeps until every claimed chunk is complete.
 * The caller blocks in `Atomics.wait`, so the pool runs where blocking is allowed: a Web Worker, or Node's main
 * thread — never a page's main thread. Every row is computed by the same kernel code whatever thread takes it, so
 * results equal one thread's bit for bit.
 */
import type { WasmHeap } from './heap.js';
import { FORMAT_CODES, type KernelExports } from './kernels.js';
import type { MatmulRunner, SplitWork } from './ops.js';
import type { CompactMatrix } from './weights.js';

/** What a worker needs to join: the shared module and memory, and the control block's address. */
export interface ThreadStart {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: number;
}

/** A started worker (its `threadLoop` running or about to). */
export interface StartedThread {
  terminate(): void;
}

/** Starts one worker thread in this environment; resolves once it has instantiated the module. */
export type ThreadSpawner = (start: ThreadStart) => Promise<StartedThread>;

/** The control block (assembly/threads.ts): i32 words, and the claim word (an i64 at byte 48). */
const JOB = 0;
const COMPLETED = 1;
const OPERATION = 2;
const CHUNK_ROWS = 3;
const ARGUMENTS = 4;
const WORKER_CHUNKS = 11;
const CLAIM_BYTE = 48;
const CONTROL_BYTES = 64;
const STOP = 0;
const MATMUL = 1;

/**
 * Fewest multiply-adds a product needs to be split: below it, waking the workers costs more than it saves (the
 * LoRA products of a decode step, 64 × 768, stay on the calling thread).
 */
const MIN_SPLIT_WORK = 1 << 18;
/** Chunks of rows per thread: enough that a thread the system does not run for a while leaves little to wait for. */
const CHUNKS_PER_THREAD = 4;
/** Chunks are whole groups of the rows the one-token kernel computes together (assembly/kernels.ts, rowsOne). */
const ROW_GROUP = 4;

export class ThreadPool implements MatmulRunner {
  private job = 0;
  private chunks = 0;

  private constructor(
    private readonly kernels: KernelExports,
    private readonly control: Int32Array,
    private readonly claim: BigInt64Array,
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
    const claim = new BigInt64Array(heap.memory.buffer, control + CLAIM_BYTE, 1);
    const started = await Promise.allSettled(
      Array.from({ length: threads - 1 }, () => spawn({ module, memory: heap.memory, control })),
    );
    const workers = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const failure = started.find((result) => result.status === 'rejected');
    const pool = new ThreadPool(kernels, words, claim, workers);
    if (failure !== undefined) {
      pool.close();
      throw failure.reason;
    }
    return pool;
  }

  get threads(): number {
    return this.workers.length + 1;
  }

  get split(): SplitWork {
    return { chunks: this.chunks, byWorkers: Atomics.load(this.control, WORKER_CHUNKS) };
  }

  matmul(matrix: CompactMatrix, x: number, y: number, tokens: number): void {
    const { format, ptr, rows, cols } = matrix;
    const code = FORMAT_CODES[format];
    const threads = this.threads;
    if (rows * cols * tokens < MIN_SPLIT_WORK || rows < threads) {
      this.kernels.matmul(code, ptr, x, y, rows, cols, tokens, 0, rows);
      return;
    }
    const chunkRows = ROW_GROUP * Math.ceil(rows / (threads * CHUNKS_PER_THREAD * ROW_GROUP));
    const chunks = Math.ceil(rows / chunkRows);
    this.chunks += chunks;
    const control = this.control;
    control[COMPLETED] = 0;
    control[OPERATION] = MATMUL;
    control[CHUNK_ROWS] = chunkRows;
    control.set([code, ptr, x, y, rows, cols, tokens], ARGUMENTS);
    this.open((BigInt(this.job + 1) << 32n) | (BigInt(chunks) << 16n));
    for (let claim = Atomics.load(this.claim, 0); (claim & 0xffffn) < chunks; claim = Atomics.load(this.claim, 0)) {
      if (Atomics.compareExchange(this.claim, 0, claim, claim + 1n) !== claim) continue;
      const start = Number(claim & 0xffffn) * chunkRows;
      this.kernels.matmul(code, ptr, x, y, rows, cols, tokens, start, Math.min(rows, start + chunkRows));
      Atomics.add(control, COMPLETED, 1);
    }
    for (let done = Atomics.load(control, COMPLETED); done < chunks; done = Atomics.load(control, COMPLETED)) {
      Atomics.wait(control, COMPLETED, done);
    }
  }

  /** Stops the workers (they leave their loop) and ends them. */
  close(): void {
    this.control[OPERATION] = STOP;
    this.open(0n);
    for (const worker of this.workers) worker.terminate();
  }

  /** Publishes the next job's claim word, then bumps the job counter and wakes the workers. */
  private open(claim: bigint): void {
    this.job++;
    Atomics.store(this.claim, 0, claim);
    Atomics.store(this.control, JOB, this.job);
    Atomics.notify(this.control, JOB);
  }
}
