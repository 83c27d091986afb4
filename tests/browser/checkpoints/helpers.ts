/**
 * Shared pieces of the checkpoint browser tests: a database name of their own per test file, removed afterwards.
 */

export function uniqueDatabase(label: string): string {
  return `rwkv-checkpoints-test-${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Deletes a database; resolves also when an open connection blocks the deletion (it then happens at page close). */
export function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = request.onerror = request.onblocked = () => resolve();
  });
}
