/**
 * A model file on the CLI's loopback server (src/cli/browser/static-server.ts), read by HTTP Range requests: random
 * access for the formats whose index is not at the start (.pth, safetensors) — the page holds only the ranges the
 * reader asks for, the file stays on disk — and a front-to-back stream of ranges for the others (rwkv.cpp .bin).
 */
import type { ByteSource } from '../../formats/byte-stream.js';
import type { RandomAccessSource } from '../../formats/random-access.js';
import { DownloadError } from '../../storage/errors.js';

/** Bytes per request when the file is streamed front to back. */
const STREAM_CHUNK = 1 << 22;

export async function rangeSource(url: string): Promise<ByteSource & RandomAccessSource> {
  const head = await fetch(url, { method: 'HEAD' });
  if (!head.ok) throw new DownloadError(`${url}: HTTP ${head.status}`, head.status);
  const bytes = Number(head.headers.get('content-length'));
  const read = async (offset: number, length: number): Promise<Uint8Array> => {
    if (length === 0) return new Uint8Array(0);
    const response = await fetch(url, { headers: { range: `bytes=${offset}-${offset + length - 1}` } });
    if (response.status !== 206) {
      throw new DownloadError(`${url}: a range request was answered with HTTP ${response.status}`, response.status);
    }
    return new Uint8Array(await response.arrayBuffer());
  };
  return {
    bytes,
    read,
    async *[Symbol.asyncIterator]() {
      for (let offset = 0; offset < bytes; offset += STREAM_CHUNK) {
        yield await read(offset, Math.min(STREAM_CHUNK, bytes - offset));
      }
    },
  };
}
