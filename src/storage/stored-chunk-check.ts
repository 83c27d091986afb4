/**
 * Checks bytes that a resumed download receives again — the part of a response that is already stored — against
 * the SHA-256 recorded for each stored chunk. A resume from a server that gives no ETag or Last-Modified asks for
 * one stored chunk again (the one before the cut), and a server that ignores `Range` sends every stored byte again:
 * either way the stored prefix is only trusted when what the server sends now hashes the same.
 */
import { sha256Hex } from './hash.js';
import type { ModelManifest } from './manifest.js';

export class StoredChunkCheck {
  private readonly buffer: Uint8Array<ArrayBuffer>;
  private filled = 0;
  private index: number;
  private left: number;

  /** The response body starts at file offset `bodyStart` (a chunk boundary); its first `length` bytes are stored. */
  constructor(
    private readonly manifest: ModelManifest,
    bodyStart: number,
    length: number,
  ) {
    this.index = bodyStart / manifest.chunkSize;
    this.left = length;
    this.buffer = new Uint8Array(length === 0 ? 0 : manifest.chunkSize);
  }

  /**
   * Takes the stored bytes at the start of `data` (the next body bytes) and checks every chunk they complete.
   * Returns how many bytes it took (the rest of `data` is new), or 'mismatch' when a chunk differs from the stored
   * one: the server now sends another file.
   */
  async take(data: Uint8Array): Promise<number | 'mismatch'> {
    const taken = Math.min(this.left, data.length);
    let offset = 0;
    while (offset < taken) {
      const count = Math.min(this.buffer.length - this.filled, taken - offset);
      this.buffer.set(data.subarray(offset, offset + count), this.filled);
      this.filled += count;
      offset += count;
      if (this.filled === this.buffer.length) {
        if ((await sha256Hex(this.buffer)) !== this.manifest.chunkHashes[this.index]) return 'mismatch';
        this.index++;
        this.filled = 0;
      }
    }
    this.left -= taken;
    return taken;
  }
}
