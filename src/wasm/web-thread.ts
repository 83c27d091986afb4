/**
 * A worker thread of the fast CPU backend in a browser (a module Web Worker started by web-threads.ts): takes its
 * ThreadStart (thread-pool.ts) from the first message, instantiates the shared-memory kernels over the shared
 * memory, says so, and stays in the module's `threadLoop` until the pool stops it; if the loop throws, it marks
 * itself stopped in the control block first, so that a caller waiting on it takes over its chunk.
 */
import type { ThreadStart } from './thread-pool.js';

interface WorkerScope {
  onmessage: ((event: MessageEvent<ThreadStart>) => void) | null;
  postMessage(message: unknown): void;
}

const scope = globalThis as unknown as WorkerScope;

interface ThreadExports {
  threadLoop(control: number, index: number): void;
  threadStopped(control: number, index: number): void;
}

scope.onmessage = async ({ data: { module, memory, control, index } }) => {
  scope.onmessage = null;
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const exports = instance.exports as unknown as ThreadExports;
  scope.postMessage('ready');
  try {
    exports.threadLoop(control, index);
  } catch (error) {
    exports.threadStopped(control, index);
    throw error;
  }
};
