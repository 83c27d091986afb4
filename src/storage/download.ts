/**
 * Downloading a model URL into the store, resumably. The body is streamed into chunks (chunk-writer.ts). When the
 * connection fails or ends early, the download retries with exponential backoff, asking only for the bytes after the
 * last stored chunk (`Range: bytes=N-` with `If-Range`); a later call resumes the same way. A server that sends
 * neither ETag nor Last-Modified gives nothing to put in `If-Range`: the resume then asks for the last stored chunk
 * again and goes on only if it hashes as stored (stored-chunk-check.ts). It starts over when the server shows the
 * file changed: a 200 whose ETag / Last-Modified differ from the recorded ones (or that cannot be compared), a 206 of
 * another version, a 416, or bytes sent again that differ from the stored ones; every start over after bytes were
 * stored is reported as a `download-restarted` warning saying why. A 200 of the same version (a server that ignores
 * Range) is read on, its already-stored bytes checked against their hashes. Space is checked (and persistence asked
 * for) before anything is written.
 */
import { AbortError } from '../errors.js';
import type { LoadWarning, ProgressCallback } from '../progress.js';
import { asAbortError, throwIfAborted } from './abort.js';
import { backoffDelayMs, sleep, type RetryPolicy } from './backoff.js';
import { ChunkWriter } from './chunk-writer.js';
import type { ModelDatabase } from './database.js';
import { DownloadError } from './errors.js';
import {
  compareVersion,
  isRetryableStatus,
  parseContentRange,
  readValidators,
  reportedFileSize,
  resumeHeaders,
} from './http.js';
import { newManifest, storedBytes, type ModelManifest } from './manifest.js';
import { ensureSpaceFor, requestPersistence } from './quota.js';
import { StoredChunkCheck } from './stored-chunk-check.js';

export interface UrlDownloadOptions {
  chunkSize: number;
  retry: RetryPolicy;
  onProgress?: ProgressCallback;
  onWarning?: (warning: LoadWarning) => void;
  signal?: AbortSignal;
}

/** Where a response's body starts in the file, and how many of its first bytes are stored already. */
interface Adopted {
  bodyStart: number;
  stored: number;
}

/** A failure worth retrying: network error, connection cut, busy server, or a file that changed under us. */
class TransientFailure extends Error {
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Stores every chunk of `url` under `id` (resuming what is stored) and returns the manifest, still 'partial' until
 * completion.ts has verified it. The caller holds the model's lock.
 */
export async function downloadChunks(
  db: ModelDatabase,
  id: string,
  url: string,
  options: UrlDownloadOptions,
): Promise<ModelManifest> {
  const download = new UrlDownload(db, id, url, options, await db.getManifest(id));
  return download.run();
}

class UrlDownload {
  constructor(
    private readonly db: ModelDatabase,
    private readonly id: string,
    private readonly url: string,
    private readonly options: UrlDownloadOptions,
    private manifest: ModelManifest | undefined,
  ) {}

  async run(): Promise<ModelManifest> {
    void requestPersistence();
    let failures = 0;
    for (;;) {
      const storedBefore = this.stored();
      try {
        return await this.transfer();
      } catch (error) {
        if (!(error instanceof TransientFailure)) throw error;
        failures = this.stored() > storedBefore ? 1 : failures + 1;
        if (failures > this.options.retry.maxRetries) {
          throw new DownloadError(
            `Downloading ${this.url} failed ${failures} times in a row (${error.message}). ` +
              `The ${this.stored()} bytes stored so far are kept: call download again to resume.`,
            error.status,
            { cause: error },
          );
        }
        await sleep(backoffDelayMs(failures, this.options.retry), this.options.signal);
      }
    }
  }

  private stored(): number {
    return this.manifest ? storedBytes(this.manifest) : 0;
  }

  /** One request: reads the response into chunks until the file is stored (or throws when the connection fails). */
  private async transfer(): Promise<ModelManifest> {
    if (this.manifest && this.stored() === this.manifest.bytes) return this.manifest;
    const resumeFrom = this.resumePoint();
    const headers = this.manifest && this.stored() > 0 ? resumeHeaders(resumeFrom, this.manifest) : {};
    const response = await this.request(headers);
    let adopted: Adopted;
    try {
      adopted = await this.adopt(response, resumeFrom);
    } catch (error) {
      await response.body?.cancel().catch(() => undefined);
      throw error;
    }
    return this.stream(response, adopted);
  }

  /**
   * Where a resume asks the server to start: after the stored chunks, or — when nothing recorded can make the
   * request conditional (no ETag, no Last-Modified) — at the last stored chunk, which is then checked again.
   */
  private resumePoint(): number {
    const stored = this.stored();
    const unconditional = this.manifest !== undefined && !this.manifest.etag && !this.manifest.lastModified;
    return unconditional && stored > 0 ? stored - (this.manifest as ModelManifest).chunkSize : stored;
  }

  private async request(headers: Record<string, string>): Promise<Response> {
    const { signal } = this.options;
    let response: Response;
    try {
      throwIfAborted(signal);
      response = await fetch(this.url, { headers, cache: 'no-store', signal });
    } catch (error) {
      throw this.networkFailure(error);
    }
    if (response.ok) return response;
    await response.body?.cancel().catch(() => undefined);
    if (response.status === 416 && this.manifest) {
      const reason = 'the server has no bytes past those stored: the file changed';
      await this.restart(reason);
      throw new TransientFailure(reason, 416);
    }
    const message = `HTTP ${response.status} ${response.statusText} from ${this.url}`;
    if (isRetryableStatus(response.status)) throw new TransientFailure(message, response.status);
    throw new DownloadError(message, response.status);
  }

  /**
   * Fits a response to what is stored, writing a fresh manifest when the download starts (over) with it. Returns
   * where its body starts in the file and how many of its leading bytes are already stored (checked, not written).
   */
  private async adopt(response: Response, resumeFrom: number): Promise<Adopted> {
    const recorded = this.manifest;
    const stored = this.stored();
    if (recorded && stored > 0) {
      const version = compareVersion(recorded, response);
      if (response.status === 206) {
        const start = parseContentRange(response.headers.get('Content-Range'))?.start ?? resumeFrom;
        if (version !== 'different' && start === resumeFrom) {
          await ensureSpaceFor(recorded.bytes - stored, `the rest of ${this.url}`);
          return { bodyStart: resumeFrom, stored: stored - resumeFrom };
        }
        const reason = 'the server sent a range of another version of the file';
        await this.restart(reason);
        throw new TransientFailure(reason);
      }
      const unconditional = !recorded.etag && !recorded.lastModified;
      if (version === 'same' || (unconditional && version === 'unknown')) {
        await ensureSpaceFor(recorded.bytes - stored, `the rest of ${this.url}`);
        return { bodyStart: 0, stored };
      }
      await this.restart(
        version === 'different'
          ? 'the server now sends another version of the file (another size, ETag or Last-Modified)'
          : 'the server no longer sends the ETag or Last-Modified that identified the stored bytes',
      );
    }
    return { bodyStart: 0, stored: await this.startOver(response) };
  }

  /** Starts the download afresh from a 200 response: size, space check, then a new manifest replacing any chunks. */
  private async startOver(response: Response): Promise<number> {
    if (response.status !== 200) {
      throw new DownloadError(
        `Unexpected HTTP ${response.status} for a request of all of ${this.url}`,
        response.status,
      );
    }
    const bytes = reportedFileSize(response);
    if (bytes === undefined) {
      throw new DownloadError(
        `${this.url} was served without a Content-Length (or content-encoded): the store needs the file size to ` +
          'check space and resume. Serve it uncompressed with Content-Length.',
      );
    }
    await ensureSpaceFor(bytes - this.stored(), this.url);
    const chunkSize = this.options.chunkSize;
    const validators = readValidators(response.headers);
    const manifest = newManifest(this.id, { kind: 'url', url: this.url }, bytes, chunkSize, validators, Date.now());
    await this.db.replace(manifest);
    this.manifest = manifest;
    return 0;
  }

  /** Deletes what is stored, telling the caller that the download starts over from byte 0 and why. */
  private async restart(reason: string): Promise<void> {
    const discarded = this.stored();
    await this.db.delete(this.id);
    this.manifest = undefined;
    const message = `The download of ${this.url} starts over from byte 0: ${reason}; the ${discarded} bytes stored were discarded.`;
    const { onWarning } = this.options;
    if (onWarning) onWarning({ phase: 'warning', code: 'download-restarted', message });
    else console.warn(message);
  }

  /** Reads the body into chunks; throws TransientFailure when it ends or fails before the end of the file. */
  private async stream(response: Response, { bodyStart, stored }: Adopted): Promise<ModelManifest> {
    const manifest = this.manifest as ModelManifest;
    const progress = (): void =>
      this.options.onProgress?.({ phase: 'download', loaded: writer.receivedBytes, total: manifest.bytes });
    const writer = new ChunkWriter(this.db, manifest, { signal: this.options.signal, onStored: progress });
    const check = new StoredChunkCheck(manifest, bodyStart, stored);
    const reader = response.body?.getReader();
    try {
      while (reader && writer.storedBytes < manifest.bytes) {
        let result: ReadableStreamReadResult<Uint8Array>;
        try {
          throwIfAborted(this.options.signal);
          result = await reader.read();
        } catch (error) {
          throw this.networkFailure(error);
        }
        if (result.done) break;
        const checked = await check.take(result.value);
        if (checked === 'mismatch') {
          const reason = 'the bytes the server sends again differ from those stored (the file changed)';
          await this.restart(reason);
          throw new TransientFailure(reason);
        }
        await writer.write(result.value.subarray(checked));
        progress();
      }
    } finally {
      if (this.manifest !== undefined) this.manifest = writer.manifest;
      await reader?.cancel().catch(() => undefined);
    }
    if (writer.storedBytes < manifest.bytes) {
      throw new TransientFailure(`the connection closed after ${writer.receivedBytes} of ${manifest.bytes} bytes`);
    }
    return writer.manifest;
  }

  /** An abort stays an abort; any other fetch or read failure is a network failure worth retrying. */
  private networkFailure(error: unknown): AbortError | TransientFailure {
    const aborted = asAbortError(error, this.options.signal);
    if (aborted instanceof AbortError) return aborted;
    return new TransientFailure(`network error: ${String(error)}`, undefined, { cause: error });
  }
}
