/**
 * One writer per model across tabs: every operation that writes a model runs under a Web Lock named after its id,
 * so a second tab asking for the same model waits, then finds it stored (or resumes where the first stopped).
 * Without Web Locks (insecure contexts, old browsers) a per-page queue still serialises the calls of this page.
 */
import { asAbortError } from './abort.js';

const LOCK_PREFIX = 'rwkv-webgpu/model/';

const pageQueues = new Map<string, Promise<unknown>>();

export async function withModelLock<T>(
  id: string,
  signal: AbortSignal | undefined,
  task: () => Promise<T>,
): Promise<T> {
  const name = LOCK_PREFIX + id;
  if (typeof navigator !== 'undefined' && navigator.locks) {
    try {
      return await navigator.locks.request(name, signal ? { signal } : {}, task);
    } catch (error) {
      throw asAbortError(error, signal);
    }
  }
  const previous = pageQueues.get(name) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(task);
  pageQueues.set(name, run);
  try {
    return await run;
  } finally {
    if (pageQueues.get(name) === run) pageQueues.delete(name);
  }
}
