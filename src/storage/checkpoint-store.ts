/**
 * Saved sessions: named checkpoints and the prefix cache, as state files (state-file.ts) in checkpoint records —
 * IndexedDB where it exists (browsers, workers), else process memory (Node). Records (checkpoint-records.ts):
 *   ['checkpoint', key]               → CheckpointInfo (what `list` shows, without reading any state)
 *   ['state', key]                    → ArrayBuffer: the state file
 *   ['prefix', modelId, digest]       → ArrayBuffer: the state file after exactly the prefix tokens
 *   ['prefix-used', modelId, digest]  → PrefixUse: when that prefix was last used (least recently used is evicted)
 * `digest` is the hex SHA-256 of the prefix's tokens (u32 little-endian); a hit also compares the tokens themselves.
 * A checkpoint's info and state are written in one transaction: both land or neither.
 */
import { indexedDbRecords, CHECKPOINT_DATABASE_NAME } from './checkpoint-database.js';
import { memoryRecords } from './checkpoint-records.js';
import type { CheckpointRecords, RecordKey } from './checkpoint-records.js';
import { bytesToHex } from './hash.js';
import { Sha256 } from './sha256.js';
import { CheckpointNotFoundError, StateFormatError } from './state-errors.js';
import { decodeStateFile, encodeStateFile } from './state-file.js';
import type { ModelDescription } from '../model/spec.js';
import type { StateFile } from './state-file.js';

/** Prefix states kept per store; saving one more evicts the least recently used. */
const PREFIX_CACHE_LIMIT = 8;

export interface CheckpointInfo {
  key: string;
  /** The identity of the model the session belongs to (engine.info.modelId / specHash). */
  modelId: string;
  specHash: string;
  model: ModelDescription;
  /** Tokens the session had read. */
  tokens: number;
  /** Size of the saved state file. */
  bytes: number;
  /** When it was saved (milliseconds since the epoch). */
  savedAt: number;
}

interface PrefixUse {
  modelId: string;
  digest: string;
  usedAt: number;
}

const checkpointKey = (key: string): RecordKey => ['checkpoint', key];
const stateKey = (key: string): RecordKey => ['state', key];
const prefixKey = (use: Omit<PrefixUse, 'usedAt'>): RecordKey => ['prefix', use.modelId, use.digest];
const prefixUseKey = (use: Omit<PrefixUse, 'usedAt'>): RecordKey => ['prefix-used', use.modelId, use.digest];

export class CheckpointStore {
  constructor(
    private readonly records: CheckpointRecords,
    private readonly prefixLimit = PREFIX_CACHE_LIMIT,
  ) {}

  /** Saves `file` under `key` (replacing what was there) in one transaction. */
  async save(key: string, file: StateFile): Promise<CheckpointInfo> {
    assertKey(key);
    const bytes = encodeStateFile(file);
    const info: CheckpointInfo = {
      key,
      ...file.identity,
      model: file.model,
      tokens: file.tokens.length,
      bytes: bytes.byteLength,
      savedAt: Date.now(),
    };
    await this.records.write({
      put: [
        [stateKey(key), bytes.buffer],
        [checkpointKey(key), info],
      ],
    });
    return info;
  }

  /** The state file saved under `key`; CheckpointNotFoundError when there is none. */
  async load(key: string): Promise<StateFile> {
    assertKey(key);
    const buffer = await this.records.get<ArrayBuffer>(stateKey(key));
    if (buffer === undefined) throw new CheckpointNotFoundError(`No session is saved under ${JSON.stringify(key)}.`);
    return decodeStateFile(new Uint8Array(buffer));
  }

  /** Every saved checkpoint, of every model, by key. */
  list(): Promise<CheckpointInfo[]> {
    return this.records.getAll<CheckpointInfo>('checkpoint');
  }

  /** Removes a checkpoint; false when there was none. */
  async delete(key: string): Promise<boolean> {
    assertKey(key);
    const existed = (await this.records.get(checkpointKey(key))) !== undefined;
    await this.records.write({ delete: [stateKey(key), checkpointKey(key)] });
    return existed;
  }

  /** The saved state after exactly `tokens` in model `modelId`, or undefined (a stale or unreadable entry is a miss). */
  async loadPrefix(modelId: string, tokens: Uint32Array): Promise<StateFile | undefined> {
    const use = { modelId, digest: tokensDigest(tokens) };
    const buffer = await this.records.get<ArrayBuffer>(prefixKey(use));
    if (buffer === undefined) return undefined;
    let file: StateFile;
    try {
      file = decodeStateFile(new Uint8Array(buffer));
    } catch (error) {
      if (error instanceof StateFormatError) return undefined;
      throw error;
    }
    if (file.identity.modelId !== modelId || !sameTokens(file.tokens, tokens)) return undefined;
    await this.records.write({ put: [[prefixUseKey(use), { ...use, usedAt: Date.now() }]] });
    return file;
  }

  /** Caches the state after `file.tokens`, evicting the least recently used prefixes beyond the limit. */
  async savePrefix(file: StateFile): Promise<void> {
    const use: PrefixUse = { modelId: file.identity.modelId, digest: tokensDigest(file.tokens), usedAt: Date.now() };
    const others = (await this.records.getAll<PrefixUse>('prefix-used'))
      .filter((other) => other.modelId !== use.modelId || other.digest !== use.digest)
      .sort((a, b) => b.usedAt - a.usedAt);
    const evicted = others.slice(Math.max(0, this.prefixLimit - 1));
    await this.records.write({
      delete: evicted.flatMap((old) => [prefixKey(old), prefixUseKey(old)]),
      put: [
        [prefixKey(use), encodeStateFile(file).buffer],
        [prefixUseKey(use), use],
      ],
    });
  }
}

const stores = new Map<string, CheckpointStore>();

/**
 * The checkpoint store of a database name, one per page (or worker, or Node process): IndexedDB where it exists,
 * else memory that lasts as long as the process.
 */
export function checkpointStore(databaseName: string = CHECKPOINT_DATABASE_NAME): CheckpointStore {
  if (typeof databaseName !== 'string' || databaseName.length === 0) {
    throw new TypeError(`sessionDatabase must be a non-empty string, not ${JSON.stringify(databaseName)}.`);
  }
  let store = stores.get(databaseName);
  if (store === undefined) {
    store = new CheckpointStore(typeof indexedDB === 'undefined' ? memoryRecords() : indexedDbRecords(databaseName));
    stores.set(databaseName, store);
  }
  return store;
}

function assertKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) {
    throw new TypeError(`A checkpoint key must be a non-empty string, not ${JSON.stringify(key)}.`);
  }
}

function tokensDigest(tokens: Uint32Array): string {
  const bytes = new DataView(new ArrayBuffer(tokens.length * 4));
  tokens.forEach((token, i) => bytes.setUint32(i * 4, token, true));
  return bytesToHex(new Sha256().update(new Uint8Array(bytes.buffer)).digest());
}

function sameTokens(a: Uint32Array, b: Uint32Array): boolean {
  return a.length === b.length && a.every((token, i) => token === b[i]);
}
