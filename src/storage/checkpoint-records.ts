/**
 * The key-value records under the checkpoint store, and their in-memory form (Node, which has no IndexedDB: the
 * records live as long as the process). Keys are arrays of strings whose first element names the kind of record;
 * a write applies all its changes at once or none of them. Values are copied in and out (structuredClone), as
 * IndexedDB does, so no caller can change a stored record through a reference it kept.
 */

export type RecordKey = [kind: string, ...rest: string[]];

export interface RecordChanges {
  put?: ReadonlyArray<readonly [RecordKey, unknown]>;
  delete?: readonly RecordKey[];
}

export interface CheckpointRecords {
  get<T>(key: RecordKey): Promise<T | undefined>;
  /** Every value whose key is of this kind, in key order. */
  getAll<T>(kind: string): Promise<T[]>;
  /** Applies the deletions, then the puts, in one transaction: all of them land, or none. */
  write(changes: RecordChanges): Promise<void>;
}

export function memoryRecords(): CheckpointRecords {
  const values = new Map<string, unknown>();
  const id = (key: RecordKey): string => JSON.stringify(key);
  return {
    async get<T>(key: RecordKey) {
      return structuredClone(values.get(id(key))) as T | undefined;
    },
    async getAll<T>(kind: string) {
      const ids = [...values.keys()].filter((key) => (JSON.parse(key) as RecordKey)[0] === kind).sort();
      return ids.map((key) => structuredClone(values.get(key)) as T);
    },
    async write(changes: RecordChanges) {
      const puts = (changes.put ?? []).map(([key, value]) => [id(key), structuredClone(value)] as const);
      for (const key of changes.delete ?? []) values.delete(id(key));
      for (const [key, value] of puts) values.set(key, value);
    },
  };
}
