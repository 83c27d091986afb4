/**
 * Cuts an incoming byte stream into the chunks of a manifest and stores each one as soon as it is full: its
 * SHA-256 is computed, then the chunk and the manifest listing it are written in one transaction, so the manifest
 * never names a chunk that is not stored. Bytes of a chunk not yet full live only in memory (one chunk's buffer) and
 * are lost on interruption; a resume starts at the last chunk boundary.
 */
import { throwIfAborted } from './abort.js';
import type { ModelDatabase } from './database.js';
import { DownloadError } from './errors.js';
import { sha256Hex } from './hash.js';
import { chunkSpan } from './layout.js';
import { storedBytes, type ModelManifest } from './manifest.js';

export interface WriterHooks {
  /** Checked before each chunk is stored: an abort stops between chunks, even within one large network read. */
  signal?: AbortSignal;
  /** Called after each chunk is stored. */
  onStored?: () => void;
}

export class ChunkWriter {
  private readonly buffer: Uint8Array<ArrayBuffer>;
  private filled = 0;

  constructor(
    private readonly db: ModelDatabase,
    /** The manifest as stored; replaced after every stored chunk. */
    public manifest: ModelManifest,
    private readonly hooks: WriterHooks = {},
  ) {
    this.buffer = new Uint8Array(Math.min(manifest.chunkSize, manifest.bytes));
  }

  /** Bytes of the file stored in chunks. */
  get storedBytes(): number {
    return storedBytes(this.manifest);
  }

  /** Stored bytes plus those waiting in the buffer. */
  get receivedBytes(): number {
    return this.storedBytes + this.filled;
  }

  /** Appends the next bytes of the file, storing every chunk that fills up. */
  async write(data: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < data.length) {
      const index = this.manifest.chunkHashes.length;
      if (index >= this.manifest.chunkCount) {
        throw new DownloadError(
          `Model ${this.manifest.id} delivered more than the ${this.manifest.bytes} bytes it announced.`,
        );
      }
      const { start, end } = chunkSpan(index, this.manifest.chunkSize, this.manifest.bytes);
      const take = Math.min(end - start - this.filled, data.length - offset);
      this.buffer.set(data.subarray(offset, offset + take), this.filled);
      this.filled += take;
      offset += take;
      if (this.filled === end - start) {
        throwIfAborted(this.hooks.signal);
        await this.store(index, this.buffer.subarray(0, this.filled));
        this.hooks.onStored?.();
      }
    }
  }

  private async store(index: number, bytes: Uint8Array<ArrayBuffer>): Promise<void> {
    const next: ModelManifest = {
      ...this.manifest,
      chunkHashes: [...this.manifest.chunkHashes, await sha256Hex(bytes)],
      lastUsed: Date.now(),
    };
    await this.db.write(next, [{ index, bytes }]);
    this.manifest = next;
    this.filled = 0;
  }
}
