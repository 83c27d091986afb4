/**
 * How many threads the fast CPU backend runs on, and its kernels and memory for that count. More than one needs
 * shared memory (`SharedArrayBuffer`), a caller allowed to block (`Atomics.wait`: a Web Worker or Node, not a page's
 * main thread) and workers: Web Workers in a cross-origin-isolated page (web-threads.ts) or Node's worker_threads
 * (node-threads.ts). Elsewhere, or when starting the workers fails, it runs on one thread over an ordinary memory.
 */
import { WasmHeap } from './heap.js';
import { instantiateKernels, kernelsModule, SHARED_MAXIMUM_PAGES, type KernelExports } from './kernels.js';
import { SingleThread, type MatmulRunner } from './ops.js';
import { ThreadPool, type ThreadSpawner } from './thread-pool.js';
import { webThreadHost } from './web-threads.js';

/** `auto`: one thread per core up to AUTO_THREAD_CAP; a number: that many where threads are possible, else 1. */
export type ThreadCount = 'auto' | number;

/**
 * Most threads `auto` takes. A 0.1B model's decode step splits 73 products, most of them 768 × 768 or
 * 768 × 3072 (0.3 to 1.3 ms on one thread): with more threads each share shrinks toward the cost of waking them, and
 * they share one memory bandwidth. Measured up to 2 threads only (this project's machine has 2 cores; docs/cpu.md).
 */
const AUTO_THREAD_CAP = 4;

/** Where worker threads can be started: the cores there, and how to start one. */
export interface ThreadHost {
  cores: number;
  spawn: ThreadSpawner;
}

export interface FastKernels {
  heap: WasmHeap;
  kernels: KernelExports;
  runner: MatmulRunner;
}

/** Kernels, memory and matrix-product runner for `requested` threads (fewer where the environment allows fewer). */
export async function openFastKernels(requested: ThreadCount): Promise<FastKernels> {
  const host = requested === 1 ? undefined : await threadHost();
  const threads = host === undefined ? 1 : requested === 'auto' ? Math.min(host.cores, AUTO_THREAD_CAP) : requested;
  if (host !== undefined && threads > 1) {
    const pooled = await pooledKernels(threads, host).catch(() => undefined);
    if (pooled !== undefined) return pooled;
  }
  const memory = new WebAssembly.Memory({ initial: 1 });
  const kernels = await instantiateKernels(memory);
  const heap = new WasmHeap(memory, kernels.staticDataEnd());
  return { heap, kernels, runner: new SingleThread(kernels) };
}

async function pooledKernels(threads: number, host: ThreadHost): Promise<FastKernels> {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: SHARED_MAXIMUM_PAGES, shared: true });
  const kernels = await instantiateKernels(memory);
  const heap = new WasmHeap(memory, kernels.staticDataEnd());
  const runner = await ThreadPool.open(heap, kernels, await kernelsModule(true), threads, host.spawn);
  return { heap, kernels, runner };
}

/** The host of worker threads here, or undefined where only one thread can run. */
async function threadHost(): Promise<ThreadHost | undefined> {
  if (typeof SharedArrayBuffer === 'undefined' || !callerMayBlock()) return undefined;
  if (typeof process !== 'undefined' && typeof process.versions?.node === 'string') {
    const { nodeThreadHost } = await import('./node-threads.js');
    return nodeThreadHost();
  }
  return webThreadHost();
}

/** Whether this thread may wait on an `Atomics.wait` (a page's main thread may not: it throws). */
function callerMayBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}
