/**
 * A loopback HTTP server for the CLI's browser runtime: serves the built runner page and, under fixed names, the
 * local files the page needs (the model), whole or by single byte ranges (`Range: bytes=a-b`, for the page's
 * random-access reads). Only 127.0.0.1, only files it was given — nothing else on disk is exposed.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
};

export interface StaticServer {
  readonly origin: string;
  close(): Promise<void>;
}

/** The one range of a `Range: bytes=start-end` header (end inclusive), or undefined for none or another form. */
function byteRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | undefined {
  const match = /^bytes=(\d+)-(\d*)$/.exec(header ?? '');
  if (!match) return undefined;
  const start = Number(match[1]);
  const end = Math.min(match[2] === '' ? size - 1 : Number(match[2]), size - 1);
  return start > end ? 'unsatisfiable' : { start, end };
}

/** Serves `root` at `/` and each of `files` (URL path → local path) exactly at its path. */
export async function startStaticServer(root: string, files: Readonly<Record<string, string>>): Promise<StaticServer> {
  const server: Server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
    const relative = normalize(path === '/' ? 'index.html' : path.slice(1));
    const local =
      files[path] ?? (relative.startsWith('..') || relative.includes(`..${sep}`) ? undefined : join(root, relative));
    if (local === undefined) {
      response.writeHead(404).end();
      return;
    }
    stat(local).then(
      (info) => {
        const contentType = CONTENT_TYPES[extname(local)] ?? 'application/octet-stream';
        const range = byteRange(request.headers.range, info.size);
        if (range === 'unsatisfiable') {
          response.writeHead(416, { 'content-range': `bytes */${info.size}` }).end();
        } else if (range === undefined) {
          response.writeHead(200, {
            'content-type': contentType,
            'content-length': info.size,
            'accept-ranges': 'bytes',
          });
          createReadStream(local).pipe(response);
        } else {
          response.writeHead(206, {
            'content-type': contentType,
            'content-length': range.end - range.start + 1,
            'content-range': `bytes ${range.start}-${range.end}/${info.size}`,
          });
          createReadStream(local, range).pipe(response);
        }
      },
      () => response.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
