/**
 * Turns what the caller gave as a model or tokenizer file (an absolute URL, a Blob or File, bytes) into a stream of
 * byte chunks for the format readers, reporting progress: `download` for a URL (bytes received of Content-Length,
 * 0 when the server sends none), `parse` for a Blob or bytes already in memory.
 */
import { AbortError } from '../errors.js';
import type { ByteSource } from '../formats/byte-stream.js';
import type { LoadPhase, LoadProgress } from '../progress.js';
import { DownloadError } from '../storage/errors.js';
import type { ResolvedInput } from '../engine/types.js';

/** Least time between two progress reports of one stream (the last one is always reported). */
const PROGRESS_INTERVAL_MS = 50;

export async function openByteSource(
  input: ResolvedInput,
  onProgress?: (progress: LoadProgress) => void,
  signal?: AbortSignal,
): Promise<ByteSource> {
  if (typeof input === 'string') {
    const response = await fetchOk(input, signal);
    const total = Number(response.headers.get('content-length') ?? 0);
    return withProgress(readStream(response.body!), 'download', total, onProgress);
  }
  if (input instanceof Blob) return withProgress(readStream(input.stream()), 'parse', input.size, onProgress);
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

async function* withProgress(
  chunks: AsyncIterable<Uint8Array>,
  phase: LoadPhase,
  total: number,
  onProgress: ((progress: LoadProgress) => void) | undefined,
): AsyncGenerator<Uint8Array> {
  let loaded = 0;
  let reportedAt = -Infinity;
  for await (const chunk of chunks) {
    loaded += chunk.length;
    const now = performance.now();
    if (now - reportedAt >= PROGRESS_INTERVAL_MS) {
      reportedAt = now;
      onProgress?.({ phase, loaded, total });
    }
    yield chunk;
  }
  onProgress?.({ phase, loaded, total: Math.max(total, loaded) });
}
