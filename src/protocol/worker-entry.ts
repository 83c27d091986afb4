/**
 * What the engine's Web Worker exposes through comlink (src/worker/entry.ts implements it, src/engine/worker-client.ts
 * calls it): one call, `open`, that loads the engine core in the worker and hands back a proxy of it.
 */
import type { EngineCoreApi } from './core-api.js';
import type { CoreOptions, EngineEventCallback } from './types.js';

export interface WorkerEntryApi {
  open(options: CoreOptions, onEvent?: EngineEventCallback): Promise<EngineCoreApi>;
}
