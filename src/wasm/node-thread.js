/**
 * A worker thread of the fast CPU backend in Node (worker_threads, started by node-threads.ts): instantiates the
 * shared-memory kernels over the shared memory of its ThreadStart (thread-pool.ts, passed as workerData), says so,
 * and stays in the module's `threadLoop` until the pool stops it; if the loop throws, it marks itself stopped in the
 * control block first, so that a caller waiting on it takes over its chunk. Plain JavaScript, so that Node runs it as it is
 * from the sources (the tests) as from dist/node/.
 */
/* global WebAssembly */
import { parentPort, workerData } from 'node:worker_threads';

const { module, memory, control, index } = workerData;
const { exports } = await WebAssembly.instantiate(module, { env: { memory } });
parentPort.postMessage('ready');
try {
  exports.threadLoop(control, index);
} catch (error) {
  exports.threadStopped(control, index);
  throw error;
}
