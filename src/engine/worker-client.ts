/**
 * Starts the engine core in a module Web Worker and drives it through comlink. The returned core rejects with the
 * library's typed errors (remote-errors.ts); `terminate` ends the worker, which frees everything it held, and
 * makes later calls reject with AbortError.
 */
import { proxy, releaseProxy, wrap } from 'comlink';
import type { Remote } from 'comlink';
import { AbortError } from '../errors.js';
import { untilAborted } from './abort.js';
import type { EngineCoreApi } from '../protocol/core-api.js';
import { reviveError } from './remote-errors.js';
import type { CoreOptions, EngineEventCallback } from '../protocol/types.js';
import type { WorkerEntryApi } from '../protocol/worker-entry.js';

export interface WorkerCore {
  core: EngineCoreApi;
  terminate(): void;
}

export async function openWorkerCore(
  options: CoreOptions,
  onEvent: EngineEventCallback | undefined,
  signal: AbortSignal | undefined,
): Promise<WorkerCore> {
  const worker = new Worker(new URL('../worker/entry.js', import.meta.url), { type: 'module', name: 'rwkv-webgpu' });
  const entry = wrap<WorkerEntryApi>(worker);
  const failedToStart = new Promise<never>((_, reject) =>
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      reject(new Error(`The engine worker failed to start: ${event.message || 'its script did not load'}.`));
    }),
  );
  const opening = entry.open(options, onEvent && proxy(onEvent)) as unknown as Promise<Remote<EngineCoreApi>>;
  let remote: Remote<EngineCoreApi>;
  try {
    remote = await untilAborted(Promise.race([opening, failedToStart]), signal);
  } catch (error) {
    worker.terminate();
    throw reviveError(error);
  } finally {
    entry[releaseProxy]();
  }
  let terminated = false;
  const core = new Proxy(remote, {
    get: (target, method: keyof EngineCoreApi | 'then') => {
      if (method === 'then') return undefined;
      return async (...args: unknown[]) => {
        if (terminated) throw new AbortError('The engine was disposed.');
        try {
          return await (target[method] as (...params: unknown[]) => Promise<unknown>)(...args);
        } catch (error) {
          throw reviveError(error);
        }
      };
    },
  }) as unknown as EngineCoreApi;
  return {
    core,
    terminate() {
      terminated = true;
      remote[releaseProxy]();
      worker.terminate();
    },
  };
}
