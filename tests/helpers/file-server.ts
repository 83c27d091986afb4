/**
 * A local HTTP server for Node tests that load models by URL: serves fixed bytes at fixed paths, answering single
 * `Range: bytes=a-b` requests with 206 (as file hosts do) unless `ranges` is false, in which case every request gets
 * the whole file with 200. Counts requests per path, so a test can tell how a file was read.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FileServer {
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  /** The absolute URL of a served path. */
  url(path: string): string;
  /** Requests per path, and how many of them asked for a range. */
  readonly requests: Map<string, { whole: number; ranges: number }>;
  close(): Promise<void>;
}

export async function serveFiles(
  files: Readonly<Record<string, Uint8Array>>,
  { ranges = true }: { ranges?: boolean } = {},
): Promise<FileServer> {
  const requests = new Map<string, { whole: number; ranges: number }>();
  const server = createServer((request, response) => {
    const path = request.url ?? '/';
    const body = files[path];
    if (body === undefined) {
      response.writeHead(404).end();
      return;
    }
    const count = requests.get(path) ?? { whole: 0, ranges: 0 };
    requests.set(path, count);
    const match = ranges ? /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? '') : null;
    if (match === null) {
      count.whole += 1;
      response.writeHead(200, { 'content-length': body.length }).end(body);
      return;
    }
    count.ranges += 1;
    const start = Number(match[1]);
    const end = Math.min(match[2] === '' ? body.length - 1 : Number(match[2]), body.length - 1);
    if (start > end) {
      response.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
      return;
    }
    response
      .writeHead(206, {
        'content-length': end - start + 1,
        'content-range': `bytes ${start}-${end}/${body.length}`,
        etag: '"v1"',
      })
      .end(body.subarray(start, end + 1));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: (path) => `${origin}${path}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
