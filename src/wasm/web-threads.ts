/**
 * Worker threads in a browser: module Web Workers (web-thread.ts) sharing the memory, which needs a
 * cross-origin-isolated context (`crossOriginIsolated`: the page was served with `Cross-Origin-Opener-Policy:
 * same-origin` and `Cross-Origin-Embedder-Policy: require-corp` or `credentialless`). Available in a Web Worker
 * (the engine's), where the pool's caller may block.
 */
import type { ThreadHost } from './threads.js';

export function webThreadHost(): ThreadHost | undefined {
  if (typeof Worker === 'undefined' || globalThis.crossOriginIsolated !== true) return undefined;
  return {
    cores: navigator.hardwareConcurrency || 1,
    spawn(start) {
      const worker = new Worker(new URL('./web-thread.js', import.meta.url), {
        type: 'module',
        name: 'rwkv-webgpu-thread',
      });
      return new Promise((resolve, reject) => {
        worker.addEventListener('message', () => resolve({ terminate: () => worker.terminate() }), { once: true });
        worker.addEventListener('error', (event) => {
          event.preventDefault();
          worker.terminate();
          reject(new Error(`A CPU thread failed to start: ${event.message || 'its script did not load'}.`));
        });
        worker.postMessage(start);
      });
    },
  };
}
