/**
 * Worker threads in a browser: module Web Workers (web-thread.ts) sharing the memory, which needs a
 * cross-origin-isolated context (`crossOriginIsolated`: the page was served with `Cross-Origin-Opener-Policy:
 * same-origin` and `Cross-Origin-Embedder-Policy: require-corp` or `credentialless`). Available in a Web Worker
 * (the engine's), where the pool's caller may block. A started worker's 'error' (its loop threw) ends it and is
 * reported to the pool.
 */
import type { ThreadHost } from './threads.js';

export function webThreadHost(): ThreadHost | undefined {
  if (typeof Worker === 'undefined' || globalThis.crossOriginIsolated !== true) return undefined;
  return {
    cores: navigator.hardwareConcurrency || 1,
    spawn(start, stopped) {
      const worker = new Worker(new URL('./web-thread.js', import.meta.url), {
        type: 'module',
        name: 'rwkv-webgpu-thread',
      });
      let ready = false;
      return new Promise((resolve, reject) => {
        worker.addEventListener(
          'message',
          () => {
            ready = true;
            resolve({ terminate: () => worker.terminate() });
          },
          { once: true },
        );
        worker.addEventListener('error', (event) => {
          event.preventDefault();
          worker.terminate();
          if (ready) stopped();
          else reject(new Error(`A CPU thread failed to start: ${event.message || 'its script did not load'}.`));
        });
        worker.postMessage(start);
      });
    },
  };
}
