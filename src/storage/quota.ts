/**
 * Storage space checks: before writing a model, `navigator.storage.estimate()` must show room for the bytes still
 * to store, else a QuotaError is thrown and nothing is written. Persistence is asked for so that the browser does
 * not evict a multi-GB model under storage pressure (it may say no; the store works either way).
 */
import { QuotaError } from '../errors.js';

export interface StorageEstimateSummary {
  /** Bytes this origin uses (all storage, not only models), or undefined when the browser does not say. */
  usage: number | undefined;
  quota: number | undefined;
}

export async function estimateStorage(): Promise<StorageEstimateSummary> {
  if (typeof navigator === 'undefined' || !navigator.storage?.estimate) return { usage: undefined, quota: undefined };
  const { usage, quota } = await navigator.storage.estimate();
  return { usage, quota };
}

/** Throws QuotaError when the origin's free quota is below `bytesNeeded`; passes when the browser gives no figure. */
export async function ensureSpaceFor(bytesNeeded: number, what: string): Promise<void> {
  const { usage, quota } = await estimateStorage();
  if (quota === undefined || bytesNeeded <= 0) return;
  const free = Math.max(0, quota - (usage ?? 0));
  if (bytesNeeded > free) {
    throw new QuotaError(
      `Not enough storage for ${what}: it needs ${formatBytes(bytesNeeded)} but only ${formatBytes(free)} of the ` +
        `${formatBytes(quota)} quota is free. Delete stored models (models.delete) or free disk space; nothing was written.`,
    );
  }
}

/** Asks for persistent storage; the answer (or a browser without the API) does not change what the store does. */
export function requestPersistence(): Promise<boolean> {
  if (typeof navigator === 'undefined' || !navigator.storage?.persist) return Promise.resolve(false);
  return navigator.storage.persist().catch(() => false);
}

export async function isPersisted(): Promise<boolean> {
  if (typeof navigator === 'undefined' || !navigator.storage?.persisted) return false;
  return navigator.storage.persisted();
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${bytes} bytes`;
}
