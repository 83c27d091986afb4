/**
 * Where a stored chunk can be fetched again when its stored copy fails its hash: the URL it was downloaded from
 * (an HTTP Range request for exactly that chunk, of the same file version only) or the Blob it was imported from.
 */
import { asAbortError } from './abort.js';
import { compareVersion, parseContentRange, spanHeaders } from './http.js';
import { chunkSpan } from './layout.js';
import type { ModelManifest } from './manifest.js';

export interface ChunkSource {
  /** The bytes of chunk `index` as the source has them now; rejects when it cannot serve them. */
  fetchChunk(index: number, signal?: AbortSignal): Promise<Uint8Array<ArrayBuffer>>;
}

export function urlChunkSource(url: string, manifest: ModelManifest): ChunkSource {
  return {
    async fetchChunk(index, signal) {
      const { start, end } = chunkSpan(index, manifest.chunkSize, manifest.bytes);
      let response: Response;
      try {
        response = await fetch(url, { headers: spanHeaders(start, end, manifest), cache: 'no-store', signal });
      } catch (error) {
        throw asAbortError(error, signal);
      }
      const range = parseContentRange(response.headers.get('Content-Range'));
      const servesSpan =
        response.status === 206 &&
        compareVersion(manifest, response) !== 'different' &&
        (range?.start ?? start) === start;
      if (!servesSpan) {
        await response.body?.cancel();
        throw new Error(
          `${url} answered HTTP ${response.status} instead of bytes ${start}-${end - 1} of the same file`,
        );
      }
      return new Uint8Array(await response.arrayBuffer());
    },
  };
}

export function blobChunkSource(blob: Blob, manifest: ModelManifest): ChunkSource {
  return {
    async fetchChunk(index) {
      const { start, end } = chunkSpan(index, manifest.chunkSize, manifest.bytes);
      return new Uint8Array(await blob.slice(start, end).arrayBuffer());
    },
  };
}
