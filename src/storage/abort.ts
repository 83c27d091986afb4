/**
 * Turning the DOM's abort signals and `AbortError` DOMExceptions (from fetch, stream reads, Web Locks) into the
 * library's typed `AbortError`.
 */
import { AbortError } from '../errors.js';

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
}

/** The library's AbortError when `error` comes from an abort (of `signal` or anything else), else `error` itself. */
export function asAbortError(error: unknown, signal: AbortSignal | undefined): unknown {
  if (error instanceof AbortError) return error;
  if (signal?.aborted || (error instanceof Error && error.name === 'AbortError')) {
    return new AbortError(undefined, { cause: error });
  }
  return error;
}
