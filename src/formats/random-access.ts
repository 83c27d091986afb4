/**
 * Random access to a model file's bytes, for formats whose index is not at the start: a `.pth` zip keeps its
 * directory at the end, a safetensors file its header at the start but its tensors anywhere after it. A source says
 * how many bytes the file has and returns any range of them on request, so a reader holds only the range it asked
 * for. The IndexedDB model store (`StoredModel` in src/storage/reader.ts), a `File`/`Blob` and an in-memory buffer
 * all provide it.
 */
import { ModelFormatError } from '../errors.js';

export interface RandomAccessSource {
  /** File size in bytes. */
  readonly bytes: number;
  /** Bytes [offset, offset + length) of the file; the caller keeps the range inside the file. */
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** A file already in memory (tests, small models). Reads are copies, so no tensor aliases the file's buffer. */
export function memorySource(data: Uint8Array): RandomAccessSource {
  return {
    bytes: data.length,
    read: async (offset, length) => data.slice(offset, offset + length),
  };
}

/** A `File` or `Blob` (file picker, drag and drop): each read slices only the range asked for. */
export function blobSource(blob: Blob): RandomAccessSource {
  return {
    bytes: blob.size,
    read: async (offset, length) => new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer()),
  };
}

/**
 * Reads bytes [offset, offset + length) after checking that they lie inside the file; `what` names them in the
 * ModelFormatError raised when they do not (a truncated file or a corrupt offset).
 */
export async function readRange(
  source: RandomAccessSource,
  offset: number,
  length: number,
  what: string,
): Promise<Uint8Array> {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new ModelFormatError(`${what}: invalid byte range (offset ${offset}, length ${length})`);
  }
  if (offset + length > source.bytes) {
    throw new ModelFormatError(
      `truncated or corrupt file: ${what} needs bytes ${offset}..${offset + length} but the file has ${source.bytes}`,
    );
  }
  const bytes = await source.read(offset, length);
  if (bytes.length !== length) {
    throw new ModelFormatError(`truncated file: ${what} needs ${length} bytes, the source returned ${bytes.length}`);
  }
  return bytes;
}

/**
 * Random access to a loader's source when it has it: a whole file in memory, or a source that offers `read` and
 * `bytes` besides its chunk stream (the model store's StoredModel); undefined for a plain stream.
 */
export function randomAccessOf(source: object): RandomAccessSource | undefined {
  if (source instanceof Uint8Array) return memorySource(source);
  const candidate = source as Partial<RandomAccessSource>;
  return typeof candidate.read === 'function' && typeof candidate.bytes === 'number'
    ? (candidate as RandomAccessSource)
    : undefined;
}
