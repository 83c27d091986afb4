/**
 * Browser-side handle on the test server (test-server.ts): sets up synthetic files and synthetic model files, serves
 * bytes a test wrote, queues faults, changes a file, reads the request log, and computes the bytes a file should
 * have.
 */
import { inject } from 'vitest';
import {
  CONTROL_PATH,
  type Fault,
  type FileSetup,
  type ModelFileInfo,
  type ModelFileSetup,
  type RequestLogEntry,
} from './protocol.js';
import { syntheticBytes } from './synthetic-file.js';

const serverUrl = inject('storageServerUrl');

async function control<T>(command: string, name: string, params: Record<string, unknown> = {}): Promise<T> {
  const query = new URLSearchParams({ name });
  for (const [key, value] of Object.entries(params)) query.set(key, JSON.stringify(value));
  const response = await fetch(`${serverUrl}${CONTROL_PATH}/${command}?${query}`, { cache: 'no-store' });
  if (!response.ok) throw new Error(`test server: ${command} ${name} → HTTP ${response.status}`);
  return (await response.json()) as T;
}

export interface ServedFileHandle {
  url: string;
  /** The bytes the file has at `version` (0 until `change` is called). */
  expected(version?: number): Uint8Array<ArrayBuffer>;
  addFault(fault: Fault): Promise<void>;
  change(): Promise<void>;
  log(): Promise<RequestLogEntry[]>;
}

/** Creates (or resets) a synthetic file; use a unique name per test. */
export async function serveFile(name: string, setup: FileSetup): Promise<ServedFileHandle> {
  const { url } = await control<{ url: string }>('setup', name, { setup });
  return {
    url: serverUrl + url,
    expected: (version = 0) => syntheticBytes(setup.seed, version, 0, setup.size),
    addFault: (fault) => control('fault', name, { fault }),
    change: () => control('change', name),
    log: () => control<RequestLogEntry[]>('log', name),
  };
}

export interface ServedModelHandle {
  url: string;
  size: number;
  addFault(fault: Fault): Promise<void>;
  log(): Promise<RequestLogEntry[]>;
}

/** Serves a synthetic model as an rwkv.cpp `.bin` (synthetic-model-file.ts) under a name; use a unique name per test. */
export async function serveModel(name: string, setup: ModelFileSetup): Promise<ServedModelHandle> {
  const { url, size } = await control<ModelFileInfo>('setup-model', name, { setup });
  return {
    url: serverUrl + url,
    size,
    addFault: (fault) => control('fault', name, { fault }),
    log: () => control<RequestLogEntry[]>('log', name),
  };
}

/** Serves `bytes` under `name` (`folder/file` for files that must sit together; Range requests honoured): its URL. */
export async function serveBytes(name: string, bytes: Uint8Array): Promise<string> {
  const query = new URLSearchParams({ name });
  const response = await fetch(`${serverUrl}${CONTROL_PATH}/put?${query}`, {
    method: 'POST',
    body: bytes as Uint8Array<ArrayBuffer>,
    cache: 'no-store',
  });
  if (!response.ok) throw new Error(`test server: put ${name} → HTTP ${response.status}`);
  return serverUrl + ((await response.json()) as { url: string }).url;
}
