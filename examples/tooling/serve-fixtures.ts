/**
 * Vite plugin for the dev and preview servers: serves the test fixtures (`../shared/fixtures`) at `/fixtures/`, with
 * what the model store needs from a real model host — Content-Length, a strong ETag, Last-Modified and single-range
 * `Range` requests — plus `/fixtures/models.json`, the list of model files (name, path, bytes) that the model
 * pickers offer. Paths are confined to the fixtures folder. Absent folder: nothing is served (the pickers then show
 * only the official models).
 */
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, relative, resolve, sep } from 'node:path';
import type { Connect, Plugin } from 'vite';

export const FIXTURES_ROUTE = '/fixtures/';

/** A model file among the fixtures, as listed in models.json. */
export interface FixtureModel {
  name: string;
  /** URL path, e.g. `/fixtures/rwkv-cpp/tiny-rwkv-7v0-834K-FP32.bin`. */
  path: string;
  bytes: number;
}

export function serveFixtures(fixturesDir: string): Plugin {
  const middleware = fixturesMiddleware(fixturesDir);
  return {
    name: 'rwkv:serve-fixtures',
    configureServer(server) {
      server.middlewares.use(middleware);
    },
    configurePreviewServer(server) {
      server.middlewares.use(middleware);
    },
  };
}

function fixturesMiddleware(fixturesDir: string): Connect.NextHandleFunction {
  return (request, response, next) => {
    const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
    if (!pathname.startsWith(FIXTURES_ROUTE) || !existsSync(fixturesDir)) return next();
    if (request.method !== 'GET' && request.method !== 'HEAD') return void response.writeHead(405).end();
    if (pathname === `${FIXTURES_ROUTE}models.json`) return sendJson(response, listModels(fixturesDir));
    const file = resolve(fixturesDir, pathname.slice(FIXTURES_ROUTE.length));
    if (!file.startsWith(fixturesDir + sep) || !existsSync(file) || !statSync(file).isFile()) return next();
    sendFile(request, response, file, statSync(file));
  };
}

/** Every rwkv.cpp model among the fixtures (the expected-logits files are data, not models), smallest first. */
export function listModels(fixturesDir: string): FixtureModel[] {
  const folder = join(fixturesDir, 'rwkv-cpp');
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((name) => name.endsWith('.bin') && !name.startsWith('expected-logits'))
    .map((name) => ({
      name,
      path: FIXTURES_ROUTE + relative(fixturesDir, join(folder, name)).split(sep).join('/'),
      bytes: statSync(join(folder, name)).size,
    }))
    .sort((a, b) => a.bytes - b.bytes || a.name.localeCompare(b.name));
}

function sendJson(response: ServerResponse, value: unknown): void {
  const body = JSON.stringify(value);
  response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache' }).end(body);
}

function sendFile(request: IncomingMessage, response: ServerResponse, file: string, stats: Stats): void {
  const etag = `"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`;
  const headers: Record<string, string | number> = {
    'content-type': 'application/octet-stream',
    'accept-ranges': 'bytes',
    etag,
    'last-modified': stats.mtime.toUTCString(),
    'cache-control': 'no-cache',
  };
  const range = requestedRange(request, etag, stats.size);
  if (range === 'unsatisfiable') {
    response.writeHead(416, { ...headers, 'content-range': `bytes */${stats.size}` }).end();
    return;
  }
  const [start, end] = range ?? [0, stats.size - 1];
  if (range !== undefined) headers['content-range'] = `bytes ${start}-${end}/${stats.size}`;
  headers['content-length'] = end - start + 1;
  response.writeHead(range === undefined ? 200 : 206, headers);
  if (request.method === 'HEAD' || stats.size === 0) return void response.end();
  createReadStream(file, { start, end }).pipe(response);
}

/** The one byte range asked for, undefined for the whole file (no Range, a failed If-Range, several ranges). */
function requestedRange(
  request: IncomingMessage,
  etag: string,
  size: number,
): [number, number] | 'unsatisfiable' | undefined {
  const header = request.headers.range;
  const ifRange = request.headers['if-range'];
  if (header === undefined || (ifRange !== undefined && ifRange !== etag)) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null || (match[1] === '' && match[2] === '')) return undefined;
  const [start, end] =
    match[1] === ''
      ? [Math.max(0, size - Number(match[2])), size - 1]
      : [Number(match[1]), match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1)];
  return start > end || start >= size ? 'unsatisfiable' : [start, end];
}
