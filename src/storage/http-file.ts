/**
 * A file on an HTTP server read in place, without the model store (Node, insecure contexts, the CLI's browser
 * runner): a stream of its bytes from the start and, when the server answers `Range` requests, random access —
 * `read(offset, length)` fetches exactly those bytes — so that `.pth`, safetensors, Hugging Face shards, split GGUF
 * parts and LoRA adapters load from URLs, holding only the ranges the readers ask for.
 *
 * Opening sends one request, `Range: bytes=0-0`: a 206 with `Content-Range: bytes 0-0/N` says the server serves
 * ranges of an N-byte file (its ETag / Last-Modified are kept, and every later request carries them in `If-Range`,
 * so a file replaced on the server mid-load is an error, not a mix of two versions); a 200 says it does not: the
 * file is then only a stream, one plain GET per pass (the formats that need random access say so).
 */
import { AbortError } from '../errors.js';
import { DownloadError } from './errors.js';
import { parseContentRange, readValidators, resumeHeaders, spanHeaders } from './http.js';
import type { Validators } from './http.js';

/** A file read over HTTP: always a stream from its start; `bytes` and `read` when the server serves ranges. */
export interface HttpFile extends AsyncIterable<Uint8Array> {
  /** File size, when the server said it. */
  readonly bytes?: number;
  /** Bytes [offset, offset + length) of the file (present only when the server answers Range requests). */
  read?(offset: number, length: number): Promise<Uint8Array>;
}

/** A GET of `url` that succeeded (2xx with a body), else a DownloadError (AbortError when `signal` aborted it). */
export async function fetchOk(
  url: string,
  signal?: AbortSignal,
  headers: Record<string, string> = {},
): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, { headers, signal });
  } catch (cause) {
    if (signal?.aborted) throw new AbortError();
    throw new DownloadError(`Could not fetch ${url}: ${String(cause)}`, undefined, { cause });
  }
  if (!response.ok || response.body === null) {
    await response.body?.cancel();
    throw new DownloadError(`Fetching ${url} failed: HTTP ${response.status} ${response.statusText}`, response.status);
  }
  return response;
}

/** The chunks of a response body, cancelling it when the reader stops early. */
export async function* responseChunks(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
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

/** A response to a span request must be a 206 of exactly that span of the same version. */
async function spanBody(url: string, response: Response, offset: number, length: number): Promise<Uint8Array> {
  const range = parseContentRange(response.headers.get('content-range'));
  if (response.status !== 206 || range?.start !== offset || range.end !== offset + length - 1) {
    await response.body?.cancel();
    throw new DownloadError(
      response.status === 206
        ? `${url}: asked for bytes ${offset}-${offset + length - 1}, the server sent ${response.headers.get('content-range')}`
        : `${url} changed on the server while it was being read (a range request was answered with the whole file)`,
      response.status,
    );
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length !== length) {
    throw new DownloadError(`${url}: bytes ${offset}-${offset + length - 1} arrived cut after ${bytes.length} bytes`);
  }
  return bytes;
}

function rangedFile(url: string, bytes: number, validators: Validators, signal?: AbortSignal): HttpFile {
  return {
    bytes,
    async read(offset, length) {
      if (length === 0) return new Uint8Array(0);
      const response = await fetchOk(url, signal, spanHeaders(offset, offset + length, validators));
      return spanBody(url, response, offset, length);
    },
    async *[Symbol.asyncIterator]() {
      if (bytes === 0) return;
      const response = await fetchOk(url, signal, resumeHeaders(0, validators));
      if (response.status !== 206) {
        await response.body?.cancel();
        throw new DownloadError(`${url} changed on the server while it was being read`, response.status);
      }
      yield* responseChunks(response.body!);
    },
  };
}

/** Opens a file on an HTTP server (see the header comment). */
export async function openHttpFile(url: string, signal?: AbortSignal): Promise<HttpFile> {
  const probe = await fetchOk(url, signal, { Range: 'bytes=0-0' });
  const range = parseContentRange(probe.headers.get('content-range'));
  if (probe.status === 206 && range?.start === 0 && range.total !== undefined) {
    await probe.body?.cancel();
    return rangedFile(url, range.total, readValidators(probe.headers), signal);
  }
  if (probe.status !== 200) {
    await probe.body?.cancel();
    throw new DownloadError(`${url}: HTTP ${probe.status} to a request for its first byte`, probe.status);
  }
  const length = probe.headers.get('content-length');
  await probe.body?.cancel();
  return {
    bytes: length === null ? undefined : Number(length),
    async *[Symbol.asyncIterator]() {
      yield* responseChunks((await fetchOk(url, signal, {})).body!);
    },
  };
}
