/**
 * Reading a stored model: its chunks in order (an async iterable) or any byte range (`read`), every chunk checked
 * against the SHA-256 recorded in the manifest before use. A chunk that fails is fetched again from its source and
 * stored anew when the source still serves the same bytes; otherwise ModelIntegrityError, and the bad bytes are
 * never returned; the manifest lists a chunk that could not be repaired as missing, and drops it once it is. The last
 * chunk read is kept, so small reads in one chunk cost one load and one hash.
 */
import { AbortError } from '../errors.js';
import { asAbortError } from './abort.js';
import type { ChunkSource } from './chunk-source.js';
import type { ModelDatabase } from './database.js';
import { ModelIntegrityError } from './errors.js';
import { sha256Hex } from './hash.js';
import { chunkSpan, chunksCovering } from './layout.js';
import type { ModelManifest } from './manifest.js';

export class StoredModel implements AsyncIterable<Uint8Array> {
  private cached: { index: number; bytes: Uint8Array } | undefined;

  constructor(
    private readonly db: ModelDatabase,
    /** The manifest this reader was opened with; every chunk it lists must be stored. */
    readonly manifest: Readonly<ModelManifest>,
    private readonly source: ChunkSource | undefined,
  ) {}

  get id(): string {
    return this.manifest.id;
  }

  /** File size in bytes. */
  get bytes(): number {
    return this.manifest.bytes;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (let index = 0; index < this.manifest.chunkCount; index++) yield await this.chunk(index);
  }

  /** Bytes [offset, offset + length) of the file, in a new array. */
  async read(offset: number, length: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw new RangeError(`read(${offset}, ${length}): offset and length must be non-negative integers`);
    }
    if (offset + length > this.bytes) {
      throw new RangeError(`read(${offset}, ${length}) goes past the end of model ${this.id} (${this.bytes} bytes)`);
    }
    const out = new Uint8Array(length);
    for (const index of chunksCovering(offset, length, this.manifest.chunkSize)) {
      const { start } = chunkSpan(index, this.manifest.chunkSize, this.bytes);
      const bytes = await this.chunk(index);
      const from = Math.max(offset, start) - start;
      const to = Math.min(offset + length, start + bytes.length) - start;
      out.set(bytes.subarray(from, to), start + from - offset);
    }
    return out;
  }

  /** Chunk `index`, verified. The array is shared with the reader's cache: do not modify it. */
  async chunk(index: number, signal?: AbortSignal): Promise<Uint8Array> {
    if (!Number.isInteger(index) || index < 0 || index >= this.manifest.chunkCount) {
      throw new RangeError(`Model ${this.id} has no chunk ${index} (it has ${this.manifest.chunkCount})`);
    }
    if (this.cached?.index === index) return this.cached.bytes;
    this.cached = undefined; // not kept alive while the next chunk loads: one chunk in memory, not two
    const stored = await this.db.getChunk(this.id, index);
    const bytes = stored && (await this.hasRecordedHash(index, stored)) ? stored : await this.repair(index, signal);
    this.cached = { index, bytes };
    return bytes;
  }

  private async hasRecordedHash(index: number, bytes: Uint8Array<ArrayBuffer>): Promise<boolean> {
    const { start, end } = chunkSpan(index, this.manifest.chunkSize, this.bytes);
    return bytes.length === end - start && (await sha256Hex(bytes)) === this.manifest.chunkHashes[index];
  }

  private async repair(index: number, signal: AbortSignal | undefined): Promise<Uint8Array> {
    const problem = `Chunk ${index} of model ${this.id} is missing or corrupted in storage`;
    if (!this.source) {
      throw new ModelIntegrityError(`${problem} and its source is not available; delete the model and store it again.`);
    }
    let fresh: Uint8Array<ArrayBuffer>;
    try {
      fresh = await this.source.fetchChunk(index, signal);
    } catch (error) {
      const aborted = asAbortError(error, signal);
      if (aborted instanceof AbortError) throw aborted;
      await this.recordMissing(index, true);
      throw new ModelIntegrityError(`${problem} and fetching it again failed: ${String(error)}`, { cause: error });
    }
    if (!(await this.hasRecordedHash(index, fresh))) {
      await this.recordMissing(index, true);
      throw new ModelIntegrityError(
        `${problem}, and its source now serves different bytes for it; delete the model and download it again.`,
      );
    }
    await this.db.putChunk(this.id, index, fresh);
    await this.recordMissing(index, false);
    return fresh;
  }

  /** Adds chunk `index` to the manifest's missing chunks (the model is listed incomplete), or removes it. */
  private async recordMissing(index: number, missing: boolean): Promise<void> {
    await this.db.updateManifest(this.id, (manifest) => {
      const others = (manifest.missingChunks ?? []).filter((other) => other !== index);
      const missingChunks = missing ? [...others, index].sort((a, b) => a - b) : others;
      const { missingChunks: _previous, ...rest } = manifest;
      return missingChunks.length > 0 ? { ...rest, missingChunks } : rest;
    });
  }
}
