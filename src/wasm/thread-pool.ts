/**
 * Matrix products split by rows over worker threads that share the WebAssembly memory. Each worker runs the
 * shared-memory kernels module's `threadLoop` (assembly/threads.ts, which documents the control block, the member
 * table and the claims): the calling thread writes a job — a group of independent products, their rows cut into
 * chunks together — into the control block, opens it and wakes the workers, claims and computes chunks alongside
 * them until none is left, then spins briefly and sleeps until every claimed chunk is complete. One wake-up and one
 * join thus cover every product of the group.
 * The caller blocks in `Atomics.wait`, so the pool runs where blocking is allowed: a Web Worker, or Node's main
 * thread — never a page's main thread. Every row is computed by the same kernel code whatever thread takes it, so
 * results equal one thread's bit for bit.
 *
 * A worker that stops (its loop threw, or the environment reports it ended) never leaves the caller waiting: the
 * caller sleeps in slices, and after each looks for stopped workers; a chunk a stopped worker held is computed by the
 * caller, and once the job is complete the pool closes and later products run on the calling thread alone
 * (`threads` becomes 1). A worker that stops unseen (no event reaches a caller that is blocked) leaves a job without
 * progress: after STALL_SLICES slices with no chunk completed the product fails with CpuThreadError and the pool
 * closes likewise.
 */
import { CpuThreadError } from '../errors.js';
import type { WasmHeap } from './heap.js';
import { FORMAT_CODES, type KernelExports } from './kernels.js';
import { matmulAlone, type MatmulRunner, type Product, type SplitWork } from './ops.js';

/** What a worker needs to join: the shared module and memory, the control block's address and its own index. */
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

/**
 * Starts one worker thread in this environment; resolves once it has instantiated the module. `stopped` is called
 * when the environment reports that the started worker failed or ended.
 */
export type ThreadSpawner = (start: ThreadStart, stopped: () => void) => Promise<StartedThread>;

/**
 * The control block (assembly/threads.ts): i32 words, the claim word (an i64 at byte 48), two words per worker; the
 * member table, MEMBER_WORDS i32 words per product.
 */
const JOB = 0;
const COMPLETED = 1;
const OPERATION = 2;
const MEMBERS = 3;
const TABLE = 4;
const WORKER_CHUNKS = 11;
const CLAIM_BYTE = 48;
const STOPPED = 14;
const WORKER_WORDS = 16;
const CONTROL_BYTES = 64;
const MEMBER_WORDS = 10;
const STOP = 0;
const PRODUCTS = 1;
/** Products one job takes at most (a longer group runs as several jobs); the table's capacity. */
const MAX_MEMBERS = 16;

/**
 * Loads of the completed count (about 100 µs) before the caller sleeps on it: a product's last chunks are usually
 * microseconds from done, and waking from `Atomics.wait` takes tens of microseconds (a decode step's 768 × 768
 * products went from 73 to 38 µs on 2 threads).
 */
const SPIN_LOADS = 20000;
/** Milliseconds the caller sleeps before it looks for stopped workers again. */
const WAIT_SLICE_MS = 50;
/**
 * Slices in a row without a chunk completed after which a product fails (10 s). Counted in slices, not by the clock,
 * so that a process suspended for a while (a laptop asleep) does not read as a stalled worker.
 */
const STALL_SLICES = 200;

/**
 * Fewest multiply-adds (rows × columns × tokens, summed over a group's products) a job needs to be split: below it,
 * waking the workers costs more than it saves. v7's LoRA second halves of a decode step (768 × 288 in Q4_0, 2^17.8)
 * took 25 µs on the calling thread and 17 µs split over 2 threads.
 */
const MIN_SPLIT_WORK = 1 << 17;
/**
 * Chunks per thread: enough that a thread the system does not run for a while leaves little to wait for. Each
 * product of a group gets its share of them by its multiply-adds, at least one.
 */
const CHUNKS_PER_THREAD = 4;
/**
 * Chunks are a multiple of the rows the one-token kernel computes together — one from each quarter of the chunk
 * (assembly/kernels.ts, rowsOne) — so that none is left to compute alone.
 */
const ROW_GROUP = 4;

export class ThreadPool implements MatmulRunner {
  private job = 0;
  private chunks = 0;
  private closed = false;

  private constructor(
    private readonly kernels: KernelExports,
    private readonly control: Int32Array,
    private readonly claim: BigInt64Array,
    private readonly table: Int32Array,
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
    const bytes = CONTROL_BYTES + 8 * (threads - 1);
    const control = heap.allocate(bytes);
    const words = new Int32Array(heap.memory.buffer, control, bytes / 4);
    words.fill(0);
    const claim = new BigInt64Array(heap.memory.buffer, control + CLAIM_BYTE, 1);
    const tableAddress = heap.allocate(MAX_MEMBERS * MEMBER_WORDS * 4);
    const table = new Int32Array(heap.memory.buffer, tableAddress, MAX_MEMBERS * MEMBER_WORDS);
    words[TABLE] = tableAddress;
    const stopped = (index: number) => () => kernels.threadStopped(control, index);
    const started = await Promise.allSettled(
      Array.from({ length: threads - 1 }, (_, index) =>
        spawn({ module, memory: heap.memory, control, index }, stopped(index)),
      ),
    );
    const workers = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const failure = started.find((result) => result.status === 'rejected');
    const pool = new ThreadPool(kernels, words, claim, table, workers);
    if (failure !== undefined) {
      pool.close();
      throw failure.reason;
    }
    return pool;
  }

  /** Threads the products run on: 1 once the pool has closed (a worker stopped, or `close`). */
  get threads(): number {
    return this.closed ? 1 : this.workers.length + 1;
  }

  get split(): SplitWork {
    return { chunks: this.chunks, byWorkers: Atomics.load(this.control, WORKER_CHUNKS) };
  }

  matmul(products: readonly Product[]): void {
    for (let first = 0; first < products.length; first += MAX_MEMBERS) {
      this.group(products.slice(first, first + MAX_MEMBERS));
    }
  }

  /**
   * One job of at most MAX_MEMBERS products: each gets chunks of rows in proportion to its multiply-adds (at least
   * one; a multiple of ROW_GROUP rows each, but for its last), all claimed from one claim word. A group below
   * MIN_SPLIT_WORK, or of one chunk, runs on the calling thread, product by product.
   */
  private group(products: readonly Product[]): void {
    if (!this.closed && Atomics.load(this.control, STOPPED) > 0) this.close();
    const work = products.map(({ matrix, tokens }) => matrix.rows * matrix.cols * tokens);
    const total = work.reduce((sum, each) => sum + each, 0);
    if (this.closed || total < MIN_SPLIT_WORK) {
      for (const product of products) matmulAlone(this.kernels, product);
      return;
    }
    const allChunks = this.threads * CHUNKS_PER_THREAD;
    let chunks = 0;
    products.forEach(({ matrix, x, y, tokens, quantized }, member) => {
      const { format, ptr, rows, cols } = matrix;
      const share = Math.ceil((work[member] * allChunks) / total);
      const chunkRows = ROW_GROUP * Math.ceil(rows / (share * ROW_GROUP));
      const record = [FORMAT_CODES[format], ptr, x, y, rows, cols, tokens, quantized, chunks, chunkRows];
      this.table.set(record, member * MEMBER_WORDS);
      chunks += Math.ceil(rows / chunkRows);
    });
    if (chunks === 1) {
      matmulAlone(this.kernels, products[0]);
      return;
    }
    this.chunks += chunks;
    const control = this.control;
    control[COMPLETED] = 0;
    control[OPERATION] = PRODUCTS;
    control[MEMBERS] = products.length;
    this.open((BigInt(this.job + 1) << 32n) | (BigInt(chunks) << 16n));
    const chunk = (index: number) => {
      this.kernels.computeChunk(control.byteOffset, index);
      Atomics.add(control, COMPLETED, 1);
    };
    for (let claim = Atomics.load(this.claim, 0); (claim & 0xffffn) < chunks; claim = Atomics.load(this.claim, 0)) {
      if (Atomics.compareExchange(this.claim, 0, claim, claim + 1n) === claim) chunk(Number(claim & 0xffffn));
    }
    this.awaitChunks(chunks, chunk);
  }

  /** Stops the workers (they leave their loop) and ends them; later products run on the calling thread. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.control[OPERATION] = STOP;
    this.open(0n);
    for (const worker of this.workers) worker.terminate();
  }

  /**
   * Sleeps until all `chunks` of the open job are complete, in slices; after a slice computes (with `compute`) the
   * chunks held by stopped workers. Closes the pool once the job is complete if a worker stopped; throws
   * CpuThreadError when no chunk completes for STALL_SLICES slices.
   */
  private awaitChunks(chunks: number, compute: (chunk: number) => void): void {
    const control = this.control;
    for (let spin = 0; spin < SPIN_LOADS && Atomics.load(control, COMPLETED) < chunks; spin++);
    let idle = 0;
    for (let done = Atomics.load(control, COMPLETED); done < chunks;) {
      Atomics.wait(control, COMPLETED, done, WAIT_SLICE_MS);
      if (Atomics.load(control, STOPPED) > 0) this.takeOverStopped(compute);
      const now = Atomics.load(control, COMPLETED);
      idle = now === done ? idle + 1 : 0;
      done = now;
      if (idle >= STALL_SLICES) {
        this.close();
        throw new CpuThreadError(
          `A CPU worker thread made no progress for ${(STALL_SLICES * WAIT_SLICE_MS) / 1000} s; ` +
            'the call was abandoned and the backend continues on one thread.',
        );
      }
    }
    if (Atomics.load(control, STOPPED) > 0) this.close();
  }

  /** Computes the chunk each stopped worker held when it stopped (and clears its record). */
  private takeOverStopped(compute: (chunk: number) => void): void {
    for (let index = 0; index < this.workers.length; index++) {
      const held = WORKER_WORDS + 2 * index;
      if (Atomics.load(this.control, held + 1) === 0) continue;
      const chunk = Atomics.exchange(this.control, held, 0);
      if (chunk > 0) compute(chunk - 1);
    }
  }

  /** Publishes the next job's claim word, then bumps the job counter and wakes the workers. */
  private open(claim: bigint): void {
    this.job++;
    Atomics.store(this.claim, 0, claim);
    Atomics.store(this.control, JOB, this.job);
    Atomics.notify(this.control, JOB);
  }
}
