/** AbortSignal helpers of the page side: the library's AbortError instead of the signal's DOMException. */
import { AbortError } from '../errors.js';

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError();
}

/**
 * `promise`, or an AbortError as soon as `signal` fires (the promise then settles unobserved). `onAbort` runs
 * once on abort, e.g. to tell the worker.
 */
export function untilAborted<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  onAbort?: () => void,
): Promise<T> {
  if (signal === undefined) return promise;
  promise.catch(() => undefined);
  if (signal.aborted) {
    onAbort?.();
    return Promise.reject(new AbortError());
  }
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      onAbort?.();
      reject(new AbortError());
    };
    signal.addEventListener('abort', abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}
