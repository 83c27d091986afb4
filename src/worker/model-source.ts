/**
 * Turns what the caller gave as a model or tokenizer file (an absolute URL, a Blob or File, bytes) into a source for
 * the format readers.
 *
 * A model URL (http or https) or Blob goes through the IndexedDB model store (src/storage/, the default store
 * `models`) wherever the store can work (IndexedDB and crypto.subtle present): a URL is downloaded once — resumed
 * after a cut, verified — and then loaded from IndexedDB with no network request at all; a File is imported into the
 * store chunk by chunk. The stored model is both a stream of verified chunks and a random-access source, so every
 * format loads from it, and what the loader found is recorded in its manifest (`annotate`). Progress: the store's
 * `download` (bytes received of the file size; a File's import counts as download too) and `verify`.
 *
 * Elsewhere (Node, insecure contexts) and for other URL schemes, the source is read directly (`openByteSource`): a
 * URL is streamed from its response (progress `download`, of its size, 0 when the server sends none) and, when its
 * server answers Range requests, read by random access too (src/storage/http-file.ts), so every format loads from
 * a URL there as well; a Blob is both streamed and read by random access. Bytes already in memory (ArrayBuffer, Uint8Array) never enter the store.
 */
import { PhaseProgress } from '../progress.js';
import type { ByteSource } from '../formats/byte-stream.js';
import { blobSource } from '../formats/random-access.js';
import type { RandomAccessSource } from '../formats/random-access.js';
import type { ModelFileSet } from '../formats/sharded/reader.js';
import type { ModelSpec } from '../model/spec.js';
import type { LoadProgress, LoadWarning, ProgressCallback } from '../progress.js';
import { ModelNotStoredError } from '../storage/errors.js';
import { fetchOk, openHttpFile, responseChunks } from '../storage/http-file.js';
import { models } from '../storage/index.js';
import type { ResolvedInput } from '../protocol/types.js';

export interface ModelSource {
  /**
   * The file's bytes: a stream of chunks, with random access where the source has it; or the files of a model split
   * over several (model-files.ts).
   */
  source: ByteSource | ModelFileSet;
  /** File size, when known. */
  bytes: number | undefined;
  /** Records the detected format and spec in the store's manifest (nothing for a source read directly). */
  annotate(details: { format: string; spec: ModelSpec; modelId: string }): Promise<void>;
  /**
   * The same file's bytes again, from their start (to reload the model after a GPU device loss): from IndexedDB for
   * a stored model, the held Blob or bytes, or a URL fetched again. Fails when they are gone (model deleted).
   */
  reopen(): Promise<ByteSource | ModelFileSet>;
}

/** Whether the model store works here: IndexedDB, and crypto.subtle for the chunk hashes (secure contexts). */
function modelStoreAvailable(): boolean {
  return typeof indexedDB !== 'undefined' && globalThis.crypto?.subtle !== undefined;
}

/** Opens a model file, through the model store where it can (see the header comment). */
export async function openModelSource(
  input: ResolvedInput,
  onProgress?: (event: LoadProgress | LoadWarning) => void,
  signal?: AbortSignal,
): Promise<ModelSource> {
  const storable = input instanceof Blob || (typeof input === 'string' && /^https?:/i.test(input));
  if (!storable || !modelStoreAvailable()) return openUnstored(input, onProgress, signal);
  const options = { onProgress, onWarning: onProgress, signal };
  const { id } =
    typeof input === 'string' ? await models.download(input, options) : await models.importBlob(input, options);
  const stored = await models.open(id);
  return {
    source: stored,
    bytes: stored.bytes,
    reopen: () => models.open(id),
    async annotate(details) {
      try {
        await models.annotate(id, details);
      } catch (error) {
        if (!(error instanceof ModelNotStoredError)) throw error;
      }
    },
  };
}

/** Opens a model file directly, never through the store (see the header comment), as a ModelSource. */
export async function openUnstored(
  input: ResolvedInput,
  onProgress?: (event: LoadProgress | LoadWarning) => void,
  signal?: AbortSignal,
): Promise<ModelSource> {
  const source = await openByteSource(input, onProgress, signal);
  return {
    source,
    bytes: sizeOf(input, source),
    annotate: async () => undefined,
    reopen: () => openByteSource(input),
  };
}

/** How the files of a model are opened: openModelSource (through the store where it works) or openUnstored. */
export type ModelSourceOpener = typeof openModelSource;

/** Opens a file directly, without the store: a URL streamed from its response, a Blob, or bytes. */
export async function openByteSource(
  input: ResolvedInput,
  onProgress?: ProgressCallback,
  signal?: AbortSignal,
): Promise<ByteSource> {
  if (typeof input === 'string') {
    const file = await openHttpFile(input, signal);
    const stream = () => counted(file, new PhaseProgress('download', file.bytes ?? 0, onProgress));
    const source: ByteSource & Partial<RandomAccessSource> = { ...file, [Symbol.asyncIterator]: stream };
    return source;
  }
  if (input instanceof Blob) return blobByteSource(input);
  return input instanceof Uint8Array ? input : new Uint8Array(input);
}

/** The whole content of a (small) file as UTF-8 text. */
export async function readText(input: ResolvedInput, signal?: AbortSignal): Promise<string> {
  if (typeof input === 'string') return (await fetchOk(input, signal)).text();
  if (input instanceof Blob) return input.text();
  return new TextDecoder().decode(input);
}

function sizeOf(input: ResolvedInput, source: ByteSource): number | undefined {
  if (input instanceof Blob) return input.size;
  return source instanceof Uint8Array ? source.length : (source as { bytes?: number }).bytes;
}

function blobByteSource(blob: Blob): ByteSource & RandomAccessSource {
  return { ...blobSource(blob), [Symbol.asyncIterator]: () => responseChunks(blob.stream()) };
}

async function* counted(chunks: AsyncIterable<Uint8Array>, progress: PhaseProgress): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    progress.set(progress.done + chunk.length);
    yield chunk;
  }
  progress.finish();
}
