/**
 * Retry pacing of interrupted downloads: exponential backoff, bounded in delay and in number of attempts, and a
 * sleep that an AbortSignal cuts short.
 */
import { AbortError } from '../errors.js';

export interface RetryPolicy {
  /** Retries after a failure that made no progress; the count starts again whenever a chunk gets stored. */
  maxRetries: number;
  /** Delay before the first retry. */
  baseDelayMs: number;
  /** Upper bound of any delay. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 5, baseDelayMs: 500, maxDelayMs: 30_000 };

/** Delay before retry number `attempt` (1-based): base · 2^(attempt−1), capped at maxDelayMs. */
export function backoffDelayMs(attempt: number, policy: RetryPolicy): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
}

export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortError());
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new AbortError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
