/**
 * A loopback HTTP server for the CLI's browser runtime: serves the built runner page and, under fixed names, the
 * local files the page needs (the model). Only 127.0.0.1, only files it was given — nothing else on disk is exposed.
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
        response.writeHead(200, {
          'content-type': CONTENT_TYPES[extname(local)] ?? 'application/octet-stream',
          'content-length': info.size,
        });
        createReadStream(local).pipe(response);
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
