/**
 * What the browser tests and the test HTTP server say to each other: how a synthetic file (random bytes, or a
 * synthetic model as an rwkv.cpp `.bin`) is set up, the faults the server can inject into its next responses, and
 * the log of the requests it answered.
 */
import type { SyntheticModelOptions } from '../../../src/generations/synthetic.js';

export interface FileSetup {
  size: number;
  seed: number;
  /** Which validators the server sends: an ETag, only Last-Modified, or none. Default 'etag'. */
  validators?: 'etag' | 'last-modified' | 'none';
  /** Whether Range requests are honoured (else every GET gets a 200). Default true. */
  ranges?: boolean;
}

/** A synthetic model (src/generations/synthetic.ts) served as an rwkv.cpp `.bin` file, built once by the server. */
export interface ModelFileSetup {
  model: SyntheticModelOptions;
  /** Type of the matrices (norms and other vectors stay f32, as rwkv.cpp writes them). */
  dataType: 'f32' | 'f16';
}

/** Applied to the next GET of the file that has a body, in the order they were added. */
export type Fault =
  /** Send the headers (full Content-Length) and this many body bytes, then destroy the connection. */
  | { kind: 'cut'; afterBytes: number }
  /** Send this many body bytes, then nothing more until the server shuts down. */
  | { kind: 'stall'; afterBytes: number }
  /** Flip every bit of the byte at this file offset, if the response contains it. */
  | { kind: 'corrupt'; offset: number }
  /** Answer with this status and no body. */
  | { kind: 'status'; status: number };

export interface RequestLogEntry {
  method: string;
  range: string | undefined;
  ifRange: string | undefined;
  status: number;
  /** Body bytes actually written. */
  bytesSent: number;
}

export const CONTROL_PATH = '/__control';
export const FILES_PATH = '/files/';

/** What `setup-model` answers: where the file is and its size. */
export interface ModelFileInfo {
  url: string;
  size: number;
}
