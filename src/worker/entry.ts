/**
 * The engine's Web Worker entry (a module worker, bundled by Vite from
 * `new Worker(new URL('../worker/entry.js', import.meta.url), { type: 'module' })`). It exposes one call through
 * comlink, `open`, which loads the engine core here — model, GPU device, states, scheduler — and hands the page a
 * proxy of it.
 */
import { expose, proxy } from 'comlink';
import type { WorkerEntryApi } from '../protocol/worker-entry.js';
import { EngineCore } from './core.js';

const api: WorkerEntryApi = {
  async open(options, onEvent) {
    return proxy(await EngineCore.open(options, onEvent));
  },
};

expose(api);
