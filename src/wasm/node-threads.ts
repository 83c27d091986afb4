/**
 * Worker threads in Node: `worker_threads` workers (node-thread.js) sharing the memory, one per core available to
 * the process. The workers do not keep the process alive (the pool ends them when the backend is disposed). A
 * started worker's end ('exit', which follows an 'error') is reported to the pool.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ThreadHost } from './threads.js';

/**
 * The worker's script, next to this module (in src/ and in dist/node/, whose build lists it as an entry). A
 * constant rather than a literal in `new URL`, so that the browser builds do not copy it as an asset.
 */
const THREAD_SCRIPT = './node-thread.js';

export function nodeThreadHost(): ThreadHost {
  return {
    cores: availableParallelism(),
    spawn(start, stopped) {
      const worker = new Worker(new URL(THREAD_SCRIPT, import.meta.url), { workerData: start });
      worker.unref();
      return new Promise((resolve, reject) => {
        worker.once('message', () => {
          worker.off('error', reject);
          worker.on('error', () => undefined);
          worker.once('exit', stopped);
          resolve({ terminate: () => void worker.terminate() });
        });
        worker.once('error', reject);
      });
    },
  };
}
