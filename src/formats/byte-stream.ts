/**
 * Sequential reading of a model file that arrives as byte chunks of arbitrary sizes (a fetch body, a File stream,
 * IndexedDB chunks) or as one Uint8Array. Format readers pull exact byte counts from it; it never allocates much
 * more than the bytes that have actually arrived, so a hostile length field cannot force a huge allocation.
 */

/** A whole file in memory, or its bytes as a stream of chunks. */
export type ByteSource = Uint8Array | AsyncIterable<Uint8Array>;

/** Largest buffer allocated for a read before its bytes have arrived; it then doubles as data comes in. */
const SPECULATIVE_ALLOCATION_LIMIT = 1 << 24;

const EMPTY = new Uint8Array(0);

export class ByteStreamReader {
  /** Total length of the source when it is known up front (a Uint8Array source). */
  readonly totalLength: number | undefined;
  private readonly iterator: AsyncIterator<Uint8Array> | undefined;
  private chunk: Uint8Array;
  private chunkOffset = 0;
  private sourceDone: boolean;
  private consumed = 0;

  constructor(source: ByteSource) {
    if (source instanceof Uint8Array) {
      this.chunk = plainBytes(source);
      this.sourceDone = true;
      this.totalLength = source.length;
    } else {
      this.iterator = source[Symbol.asyncIterator]();
      this.chunk = EMPTY;
      this.sourceDone = false;
    }
  }

  /** Bytes consumed so far. */
  get position(): number {
    return this.consumed;
  }

  /** Bytes left when the total length is known, else undefined. */
  get remainingKnown(): number | undefined {
    return this.totalLength === undefined ? undefined : this.totalLength - this.consumed;
  }

  /** True when every byte of the source has been consumed. */
  async atEnd(): Promise<boolean> {
    return !(await this.fill());
  }

  /** Up to `byteCount` bytes from the current position, without consuming them (for sniffing a format). */
  async peek(byteCount: number): Promise<Uint8Array> {
    while (this.chunk.length - this.chunkOffset < byteCount && !this.sourceDone) {
      const rest = this.chunk.subarray(this.chunkOffset);
      this.chunk = EMPTY;
      this.chunkOffset = 0;
      const next = (await this.fill()) ? this.chunk : EMPTY;
      const merged = new Uint8Array(rest.length + next.length);
      merged.set(rest);
      merged.set(next, rest.length);
      this.chunk = merged;
      this.chunkOffset = 0;
    }
    return this.chunk.slice(this.chunkOffset, this.chunkOffset + byteCount);
  }

  /**
   * Consumes and returns the next `byteCount` bytes as a fresh buffer (byteOffset 0). Returns fewer bytes only when
   * the source ends first; callers report that as truncation.
   */
  async read(byteCount: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(byteCount) || byteCount < 0) throw new RangeError(`invalid byte count ${byteCount}`);
    const known = this.remainingKnown;
    const firstAllocation =
      known !== undefined && known >= byteCount ? byteCount : Math.min(byteCount, SPECULATIVE_ALLOCATION_LIMIT);
    let buffer = new Uint8Array(firstAllocation);
    let filled = 0;
    while (filled < byteCount && (await this.fill())) {
      if (filled === buffer.length) {
        const grown = new Uint8Array(Math.min(byteCount, buffer.length * 2));
        grown.set(buffer);
        buffer = grown;
      }
      const take = Math.min(buffer.length - filled, this.chunk.length - this.chunkOffset);
      buffer.set(this.chunk.subarray(this.chunkOffset, this.chunkOffset + take), filled);
      this.chunkOffset += take;
      this.consumed += take;
      filled += take;
    }
    return filled === buffer.length ? buffer : buffer.subarray(0, filled);
  }

  /**
   * Consumes the next `byteCount` bytes like `read`, but returns a view into the source's current chunk when they
   * lie inside it, without copying (a loader streaming runs of a tensor to the GPU allocates nothing per run). The
   * view shares the source's memory: do not modify it, and copy what must outlive the source.
   */
  async readView(byteCount: number): Promise<Uint8Array> {
    if (byteCount > 0 && (await this.fill()) && this.chunk.length - this.chunkOffset >= byteCount) {
      const view = this.chunk.subarray(this.chunkOffset, this.chunkOffset + byteCount);
      this.chunkOffset += byteCount;
      this.consumed += byteCount;
      return view;
    }
    return this.read(byteCount);
  }

  /** Stops reading: lets a stream source release its resources. */
  async close(): Promise<void> {
    this.sourceDone = true;
    this.chunk = EMPTY;
    this.chunkOffset = 0;
    await this.iterator?.return?.();
  }

  /** Makes at least one unconsumed byte available; false at the end of the source. */
  private async fill(): Promise<boolean> {
    while (this.chunkOffset >= this.chunk.length) {
      if (this.sourceDone || this.iterator === undefined) return false;
      this.chunk = EMPTY;
      this.chunkOffset = 0;
      const next = await this.iterator.next();
      if (next.done === true) {
        this.sourceDone = true;
        this.chunk = EMPTY;
        this.chunkOffset = 0;
        return false;
      }
      if (!(next.value instanceof Uint8Array)) {
        throw new TypeError(`a byte stream yielded ${typeof next.value}, expected Uint8Array chunks`);
      }
      this.chunk = plainBytes(next.value);
      this.chunkOffset = 0;
    }
    return true;
  }
}

/**
 * A plain Uint8Array view of `bytes`. Node's Buffer (what file streams yield) is a Uint8Array whose `slice` does not
 * copy; readers copy with `slice` to get aligned typed-array views, so chunks are re-viewed as plain Uint8Arrays.
 */
function plainBytes(bytes: Uint8Array): Uint8Array {
  return bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
