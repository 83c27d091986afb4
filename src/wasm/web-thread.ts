/**
 * A worker thread of the fast CPU backend in a browser (a module Web Worker started by web-threads.ts): takes its
 * ThreadStart (thread-pool.ts) from the first message, instantiates the shared-memory kernels over the shared
 * memory, says so, and stays in the module's `threadLoop` until the pool stops it.
 */
import type { ThreadStart } from './thread-pool.js';

interface WorkerScope {
  onmessage: ((event: MessageEvent<ThreadStart>) => void) | null;
  postMessage(message: unknown): void;
}

const scope = globalThis as unknown as WorkerScope;

scope.onmessage = async ({ data: { module, memory, control } }) => {
  scope.onmessage = null;
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  scope.postMessage('ready');
  (instance.exports.threadLoop as (control: number) => void)(control);
};
