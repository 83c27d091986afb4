/**
 * The fast CPU backend's thread pool when a worker stops: ended between products (worker.terminate(): its 'exit'
 * reaches the pool), stopped in the middle of a product while holding a chunk of rows (a stand-in worker,
 * claiming-thread.js, that claims a chunk and stops without computing it: the caller computes it), and gone without
 * a word while holding one (the product fails with CpuThreadError after the pool's stall bound). Every product that
 * returns equals the one-thread product bit for bit, and the pool then runs on one thread.
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { CpuThreadError } from '../../src/errors.js';
import { WasmHeap } from '../../src/wasm/heap.js';
import { instantiateKernels, kernelsModule, SHARED_MAXIMUM_PAGES } from '../../src/wasm/kernels.js';
import { nodeThreadHost } from '../../src/wasm/node-threads.js';
import { SingleThread } from '../../src/wasm/ops.js';
import { ThreadPool, type StartedThread, type ThreadSpawner } from '../../src/wasm/thread-pool.js';
import type { CompactMatrix } from '../../src/wasm/weights.js';

const ROWS = 1024;
const COLS = 512;
const TOKENS = 4;

/** A pool of 2 threads over a shared memory holding a seeded f32 matrix and x, with a y to fill. */
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
  const x = heap.allocate(TOKENS * COLS * 4);
  heap.floats(x, TOKENS * COLS).forEach((_, i, values) => (values[i] = Math.cos(i * 0.11)));
  const y = heap.allocate(TOKENS * ROWS * 4);
  const pool = await ThreadPool.open(heap, kernels, await kernelsModule(true), 2, spawn);
  const expected = heap.floats(heap.allocate(TOKENS * ROWS * 4), TOKENS * ROWS);
  new SingleThread(kernels).matmul(matrix, x, expected.byteOffset, TOKENS);
  /** The pool's product into a y first filled with NaN (a chunk nobody computed would stay NaN). */
  const product = () => {
    heap.floats(y, TOKENS * ROWS).fill(Number.NaN);
    pool.matmul(matrix, x, y, TOKENS);
    return heap.floats(y, TOKENS * ROWS);
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
  it('notices a worker ended between products and goes on on one thread', async () => {
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

  it('computes the chunk a worker held when it stopped mid-product, then runs on one thread', async () => {
    const { pool, product, expected } = await poolWith(standIn('stop'));
    // The caller claims chunks too: the stand-in holds one in the first product where it wins a claim.
    for (let i = 0; i < 200 && pool.threads === 2; i++) expect(product()).toEqual(expected);
    expect(pool.threads).toBe(1);
    expect(product()).toEqual(expected);
    pool.close();
  });

  it('fails a product whose held chunk never completes with CpuThreadError, then runs on one thread', async () => {
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
