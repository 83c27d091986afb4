/**
 * HTTP server for the model-store tests, on 127.0.0.1 at a port chosen by the OS. It serves seeded synthetic files
 * (synthetic-file.ts) with ETag / Last-Modified, honours `Range` and `If-Range` (RFC 9110), answers CORS preflights
 * (the test page has another origin), and on request injects faults: cut or stalled connections, corrupted bytes,
 * error statuses. A file can be changed (new version: new bytes and validators). Every request is logged.
 * A file can also be a synthetic model (synthetic-model-file.ts), built once per setup and kept in memory.
 * Control requests: GET /__control/{setup,setup-model,fault,change,log}?name=…&… (see client.ts), and
 * POST /__control/put?name=… whose body becomes the file (bytes a test wrote).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CONTROL_PATH,
  FILES_PATH,
  type Fault,
  type FileSetup,
  type ModelFileSetup,
  type RequestLogEntry,
} from './protocol.js';
import { syntheticBytes } from './synthetic-file.js';
import { syntheticModelFile } from './synthetic-model-file.js';

interface ServedFile extends Required<FileSetup> {
  version: number;
  faults: Fault[];
  log: RequestLogEntry[];
  /** A synthetic model's bytes (which never change); random bytes from the seed when absent. */
  content?: Uint8Array;
}

/**
 * Pause between the last bytes sent and a cut: a browser drops the bytes still queued in a stream that errors, so
 * the client gets a moment to read what was sent, as it would over a real network where a cut comes later.
 */
const CUT_DELAY_MS = 100;

const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers': 'Range, If-Range',
  'Access-Control-Allow-Methods': 'GET, HEAD, POST',
  'Access-Control-Expose-Headers': 'ETag, Last-Modified, Content-Range, Content-Length, Accept-Ranges',
};

export interface TestServer {
  url: string;
  close(): Promise<void>;
}

export async function startTestServer(): Promise<TestServer> {
  const files = new Map<string, ServedFile>();
  const models = new ModelFiles();
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (request.method === 'OPTIONS') {
      response.writeHead(204, { ...CORS_HEADERS, 'Access-Control-Max-Age': '600' }).end();
    } else if (request.method === 'POST' && url.pathname === `${CONTROL_PATH}/put`) {
      put(files, url.searchParams.get('name') ?? '', request, response);
    } else if (url.pathname.startsWith(CONTROL_PATH + '/')) {
      control(files, models, url, response);
    } else if (url.pathname.startsWith(FILES_PATH)) {
      const file = files.get(decodeURIComponent(url.pathname.slice(FILES_PATH.length)));
      if (file) serveFile(file, request, response);
      else response.writeHead(404, CORS_HEADERS).end();
    } else {
      response.writeHead(404, CORS_HEADERS).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Model files by setup: the large one is built once for every test that serves it. */
class ModelFiles {
  private readonly built = new Map<string, Uint8Array>();

  get(setup: ModelFileSetup): Uint8Array {
    const key = JSON.stringify(setup);
    let bytes = this.built.get(key);
    if (!bytes) {
      bytes = syntheticModelFile(setup);
      this.built.set(key, bytes);
    }
    return bytes;
  }
}

function control(files: Map<string, ServedFile>, models: ModelFiles, url: URL, response: ServerResponse): void {
  const name = url.searchParams.get('name') ?? '';
  const command = url.pathname.slice(CONTROL_PATH.length + 1);
  const file = files.get(name);
  const json = (status: number, body: unknown): void => {
    response.writeHead(status, { ...CORS_HEADERS, 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  };
  if (command === 'setup') {
    const setup = JSON.parse(url.searchParams.get('setup') ?? '{}') as FileSetup;
    files.set(name, { validators: 'etag', ranges: true, ...setup, version: 0, faults: [], log: [] });
    json(200, { url: `${FILES_PATH}${encodeURIComponent(name)}` });
  } else if (command === 'setup-model') {
    const content = models.get(JSON.parse(url.searchParams.get('setup') ?? '{}') as ModelFileSetup);
    files.set(name, {
      validators: 'etag',
      ranges: true,
      size: content.length,
      seed: 0,
      version: 0,
      faults: [],
      log: [],
      content,
    });
    json(200, { url: `${FILES_PATH}${encodeURIComponent(name)}`, size: content.length });
  } else if (!file) {
    json(404, { error: `no file ${name}` });
  } else if (command === 'fault') {
    file.faults.push(JSON.parse(url.searchParams.get('fault') ?? 'null') as Fault);
    json(200, {});
  } else if (command === 'change' && file.content) {
    json(400, { error: `${name} is a model file, which cannot change` });
  } else if (command === 'change') {
    file.version += 1;
    json(200, {});
  } else if (command === 'log') {
    json(200, file.log);
  } else {
    json(400, { error: `unknown command ${command}` });
  }
}

/**
 * Serves the request's body, as it is, under `name` (with Range support and an ETag); a `/` in the name is a folder
 * in the URL, so that files named by a shard index resolve beside it.
 */
function put(files: Map<string, ServedFile>, name: string, request: IncomingMessage, response: ServerResponse): void {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const content = new Uint8Array(Buffer.concat(chunks));
    const file = { validators: 'etag', ranges: true, size: content.length, seed: 0, version: 0, content } as const;
    files.set(name, { ...file, faults: [], log: [] });
    response
      .writeHead(200, { ...CORS_HEADERS, 'Content-Type': 'application/json' })
      .end(JSON.stringify({ url: `${FILES_PATH}${name.split('/').map(encodeURIComponent).join('/')}` }));
  });
}

function validatorHeaders(file: ServedFile): Record<string, string> {
  const lastModified = new Date(Date.UTC(2026, 0, 1) + file.version * 60_000).toUTCString();
  if (file.validators === 'etag') return { ETag: `"${file.seed}-v${file.version}"`, 'Last-Modified': lastModified };
  if (file.validators === 'last-modified') return { 'Last-Modified': lastModified };
  return {};
}

/** The [start, end) a Range header asks for, when it is one range this server can satisfy or 'unsatisfiable'. */
function requestedRange(header: string, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const match = /^bytes=(\d+)-(\d*)$/.exec(header.trim());
  if (!match) return undefined;
  const start = Number(match[1]);
  const end = match[2] === '' ? size : Math.min(size, Number(match[2]) + 1);
  return start < size && start < end ? { start, end } : 'unsatisfiable';
}

function serveFile(file: ServedFile, request: IncomingMessage, response: ServerResponse): void {
  const validators = validatorHeaders(file);
  const rangeHeader = request.headers.range;
  const ifRange = request.headers['if-range']?.toString();
  const entry: RequestLogEntry = {
    method: request.method ?? '',
    range: rangeHeader,
    ifRange,
    status: 200,
    bytesSent: 0,
  };
  file.log.push(entry);
  const validatorMatches = ifRange === undefined || Object.values(validators).includes(ifRange);
  const range = file.ranges && rangeHeader && validatorMatches ? requestedRange(rangeHeader, file.size) : undefined;
  const headers: Record<string, string> = {
    ...CORS_HEADERS,
    ...validators,
    'Content-Type': 'application/octet-stream',
    ...(file.ranges ? { 'Accept-Ranges': 'bytes' } : {}),
  };
  if (range === 'unsatisfiable') {
    entry.status = 416;
    response.writeHead(416, { ...headers, 'Content-Range': `bytes */${file.size}` }).end();
    return;
  }
  const { start, end } = range ?? { start: 0, end: file.size };
  if (range) headers['Content-Range'] = `bytes ${start}-${end - 1}/${file.size}`;
  headers['Content-Length'] = String(end - start);
  entry.status = range ? 206 : 200;
  if (request.method === 'HEAD') {
    response.writeHead(entry.status, headers).end();
    return;
  }
  const fault = file.faults.shift();
  let body = file.content?.subarray(start, end) ?? syntheticBytes(file.seed, file.version, start, end);
  if (fault?.kind === 'status') {
    entry.status = fault.status;
    response.writeHead(fault.status, CORS_HEADERS).end();
    return;
  }
  if (fault?.kind === 'corrupt' && fault.offset >= start && fault.offset < end) {
    body = body.slice(); // a copy: a model file itself stays intact
    body[fault.offset - start] ^= 0xff;
  }
  response.writeHead(entry.status, headers);
  if (fault?.kind === 'cut' || fault?.kind === 'stall') {
    const sent = body.subarray(0, Math.min(fault.afterBytes, body.length));
    entry.bytesSent = sent.length;
    response.flushHeaders();
    response.write(sent, () => {
      if (fault.kind === 'cut') setTimeout(() => response.socket?.destroy(), CUT_DELAY_MS);
    });
    return;
  }
  entry.bytesSent = body.length;
  response.end(body);
}
