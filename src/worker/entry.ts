/**
 * The engine's Web Worker entry (a module worker, bundled by Vite from
 * `new Worker(new URL('../worker/entry.js', import.meta.url), { type: 'module' })`). It exposes one call through
 * comlink, `open`, which loads the engine core here — model, GPU device, states, scheduler — and hands the page a
 * proxy of it.
 */
import { expose, proxy } from 'comlink';
import type { CoreOptions, EngineEventCallback } from '../engine/types.js';
import { EngineCore } from './core.js';

export interface WorkerEntryApi {
  open(options: CoreOptions, onEvent?: EngineEventCallback): Promise<EngineCore>;
}

const api: WorkerEntryApi = {
  async open(options, onEvent) {
    return proxy(await EngineCore.open(options, onEvent));
  },
};

expose(api);
