/**
 * Turns what the caller gave as a model or tokenizer file (an absolute URL, a Blob or File, bytes) into a source for
 * the format readers, reporting progress: `download` for a URL (bytes received of Content-Length, 0 when the server
 * sends none), `parse` for a Blob or bytes already in memory. A URL is a stream of chunks; a Blob is both a stream
 * and a random-access source (so `.pth` and safetensors files, whose index is not at the start, load from a File);
 * bytes are both already.
 */
import { AbortError } from '../errors.js';
import type { ByteSource } from '../formats/byte-stream.js';
import { blobSource } from '../formats/random-access.js';
import type { RandomAccessSource } from '../formats/random-access.js';
import type { LoadPhase, LoadProgress } from '../progress.js';
import { DownloadError } from '../storage/errors.js';
import type { ResolvedInput } from '../engine/types.js';

/** Least time between two progress reports of one source (the last one is always reported). */
const PROGRESS_INTERVAL_MS = 50;

type ProgressSink = ((progress: LoadProgress) => void) | undefined;

export async function openByteSource(
  input: ResolvedInput,
  onProgress?: ProgressSink,
  signal?: AbortSignal,
): Promise<ByteSource> {
  if (typeof input === 'string') {
    const response = await fetchOk(input, signal);
    const total = Number(response.headers.get('content-length') ?? 0);
    return counted(readStream(response.body!), new Progress('download', total, onProgress));
  }
  if (input instanceof Blob) return blobByteSource(input, onProgress);
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  onProgress?.({ phase: 'parse', loaded: bytes.length, total: bytes.length });
  return bytes;
}

/** The whole content of a (small) file as UTF-8 text. */
export async function readText(input: ResolvedInput, signal?: AbortSignal): Promise<string> {
  if (typeof input === 'string') return (await fetchOk(input, signal)).text();
  if (input instanceof Blob) return input.text();
  return new TextDecoder().decode(input);
}

/** Reports bytes done in one phase, at most every PROGRESS_INTERVAL_MS, and always at the end. */
class Progress {
  private loaded = 0;
  private reportedAt = -Infinity;

  constructor(
    private readonly phase: LoadPhase,
    private readonly total: number,
    private readonly sink: ProgressSink,
  ) {}

  advance(bytes: number): void {
    this.loaded += bytes;
    const now = performance.now();
    if (now - this.reportedAt >= PROGRESS_INTERVAL_MS || this.loaded === this.total) {
      this.reportedAt = now;
      this.sink?.({ phase: this.phase, loaded: this.loaded, total: this.total });
    }
  }

  finish(): void {
    if (this.loaded !== this.total) this.sink?.({ phase: this.phase, loaded: this.loaded, total: this.loaded });
  }
}

function blobByteSource(blob: Blob, onProgress: ProgressSink): ByteSource & RandomAccessSource {
  const access = blobSource(blob);
  const progress = new Progress('parse', blob.size, onProgress);
  return {
    bytes: blob.size,
    async read(offset, length) {
      const bytes = await access.read(offset, length);
      progress.advance(bytes.length);
      return bytes;
    },
    [Symbol.asyncIterator]: () => counted(readStream(blob.stream()), progress),
  };
}

async function fetchOk(url: string, signal: AbortSignal | undefined): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, { signal });
  } catch (cause) {
    if (signal?.aborted) throw new AbortError();
    throw new DownloadError(`Could not fetch ${url}: ${String(cause)}`, undefined, { cause });
  }
  if (!response.ok || response.body === null) {
    throw new DownloadError(`Fetching ${url} failed: HTTP ${response.status} ${response.statusText}`, response.status);
  }
  return response;
}

async function* readStream(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    await reader.cancel();
  }
}

async function* counted(chunks: AsyncIterable<Uint8Array>, progress: Progress): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    progress.advance(chunk.length);
    yield chunk;
  }
  progress.finish();
}
