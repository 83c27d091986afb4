/**
 * The fast CPU backend's thread pool when a worker stops: ended between groups of products (worker.terminate(): its
 * 'exit' reaches the pool), stopped in the middle of a group while holding a chunk of rows (a stand-in worker,
 * claiming-thread.js, that claims a chunk and stops without computing it: the caller computes it), and gone without
 * a word while holding one (the group fails with CpuThreadError after the pool's stall bound). The group: a 6-row
 * product (its one chunk first) and a 1024-row one. Every group that returns equals the one-thread products bit for
 * bit, and the pool then runs on one thread.
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { CpuThreadError } from '../../src/errors.js';
import { WasmHeap } from '../../src/wasm/heap.js';
import { instantiateKernels, kernelsModule, SHARED_MAXIMUM_PAGES } from '../../src/wasm/kernels.js';
import { nodeThreadHost } from '../../src/wasm/node-threads.js';
import { SingleThread, type Product } from '../../src/wasm/ops.js';
import { ThreadPool, type StartedThread, type ThreadSpawner } from '../../src/wasm/thread-pool.js';
import { matrixRows, type CompactMatrix } from '../../src/wasm/weights.js';

const ROWS = 1024;
const COLS = 512;
const TOKENS = 4;
const SMALL_ROWS = 6;

/**
 * A pool of 2 threads over a shared memory holding a seeded f32 matrix and two x, with the y of a group to fill: its
 * first 6 rows times one x, all its rows times the other.
 */
async function poolWith(spawn: ThreadSpawner) {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: SHARED_MAXIMUM_PAGES, shared: true });
  const kernels = await instantiateKernels(memory);
  const heap = new WasmHeap(memory, kernels.staticDataEnd());
  const matrix: CompactMatrix = {
    name: 'w',
    format: 'f32',
    ptr: heap.allocate(ROWS * COLS * 4),
    rows: ROWS,
    cols: COLS,
    rowBytes: COLS * 4,
  };
  heap.floats(matrix.ptr, ROWS * COLS).forEach((_, i, values) => (values[i] = Math.sin(i * 0.37)));
  const [x, xSmall] = [0.11, 0.23].map((step) => {
    const ptr = heap.allocate(TOKENS * COLS * 4);
    heap.floats(ptr, TOKENS * COLS).forEach((_, i, values) => (values[i] = Math.cos(i * step)));
    return ptr;
  });
  const outputs = TOKENS * (SMALL_ROWS + ROWS);
  const y = heap.allocate(outputs * 4);
  const expected = heap.floats(heap.allocate(outputs * 4), outputs);
  const group = (out: number): Product[] => [
    { matrix: matrixRows(matrix, 0, SMALL_ROWS), x: xSmall, y: out, tokens: TOKENS, quantized: 0 },
    { matrix, x, y: out + TOKENS * SMALL_ROWS * 4, tokens: TOKENS, quantized: 0 },
  ];
  new SingleThread(kernels).matmul(group(expected.byteOffset));
  const pool = await ThreadPool.open(heap, kernels, await kernelsModule(true), 2, spawn);
  /** The pool's group into a y first filled with NaN (a chunk nobody computed would stay NaN). */
  const product = () => {
    heap.floats(y, outputs).fill(Number.NaN);
    pool.matmul(group(y));
    return heap.floats(y, outputs);
  };
  return { pool, product, expected };
}

/** Spawns claiming-thread.js in `mode` instead of the real worker. */
function standIn(mode: 'stop' | 'hang'): ThreadSpawner {
  return (start, stopped) => {
    const worker = new Worker(new URL('./claiming-thread.js', import.meta.url), { workerData: { ...start, mode } });
    worker.unref();
    return new Promise((resolve) => {
      worker.once('message', () => {
        worker.once('exit', stopped);
        resolve({ terminate: () => void worker.terminate() });
      });
    });
  };
}

describe('thread pool with a worker that stops', () => {
  it('notices a worker ended between groups and goes on on one thread', async () => {
    const host = nodeThreadHost();
    let exited!: Promise<void>;
    const started: StartedThread[] = [];
    const { pool, product, expected } = await poolWith(async (start, stopped) => {
      let reported!: () => void;
      exited = new Promise((resolve) => (reported = resolve));
      const thread = await host.spawn(start, () => {
        stopped();
        reported();
      });
      started.push(thread);
      return thread;
    });
    expect(pool.threads).toBe(2);
    expect(product()).toEqual(expected);
    started[0].terminate();
    await exited;
    expect(product()).toEqual(expected);
    expect(pool.threads).toBe(1);
    expect(product()).toEqual(expected);
    pool.close();
  });

  it('computes the chunk a worker held when it stopped mid-group, then runs on one thread', async () => {
    const { pool, product, expected } = await poolWith(standIn('stop'));
    // The caller claims chunks too: the stand-in holds one in the first product where it wins a claim.
    for (let i = 0; i < 200 && pool.threads === 2; i++) expect(product()).toEqual(expected);
    expect(pool.threads).toBe(1);
    expect(product()).toEqual(expected);
    pool.close();
  });

  it('fails a group whose held chunk never completes with CpuThreadError, then runs on one thread', async () => {
    const { pool, product, expected } = await poolWith(standIn('hang'));
    let failure: unknown;
    for (let i = 0; i < 200 && failure === undefined; i++) {
      try {
        expect(product()).toEqual(expected);
      } catch (error) {
        failure = error;
      }
    }
    expect(failure).toBeInstanceOf(CpuThreadError);
    expect(pool.threads).toBe(1);
    expect(product()).toEqual(expected);
  }, 30_000);
});
