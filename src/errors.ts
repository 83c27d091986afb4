/**
 * Typed errors of the public API. Every failure a user can act on has its own class and a message that says what
 * went wrong and what to do. Each class spells its `name` out as a string: a minifier renames classes, so a name
 * taken from the class would read `M` in the shipped bundles, and the worker boundary revives errors by name
 * (src/engine/remote-errors.ts).
 */

/** Base class: lets callers catch every error this library throws with one `instanceof`. */
export class RwkvError extends Error {
  override name = 'RwkvError';
}

/** A model file is malformed, truncated, hostile or of an unsupported kind. */
export class ModelFormatError extends RwkvError {
  override name = 'ModelFormatError';
}

/** The browser (or adapter) offers no WebGPU. */
export class WebGPUUnavailableError extends RwkvError {
  override name = 'WebGPUUnavailableError';
}

/** The GPU device was lost (driver reset, tab in background too long, out of memory). */
export class DeviceLostError extends RwkvError {
  override name = 'DeviceLostError';
}

/** Storage quota would be or was exceeded; nothing already stored was lost. */
export class QuotaError extends RwkvError {
  override name = 'QuotaError';
}

/** The tokenizer does not fit the model (e.g. a 65536-token model with the bytes tokenizer). */
export class TokenizerMismatchError extends RwkvError {
  override name = 'TokenizerMismatchError';
}

/** An operation was aborted through an AbortSignal. Its `name` is 'AbortError' like the DOM's. */
export class AbortError extends RwkvError {
  override name = 'AbortError';

  constructor(message = 'The operation was aborted.', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The GPU could not allocate a buffer or pipeline (caught through an 'out-of-memory' error scope). */
export class GpuOutOfMemoryError extends RwkvError {
  override name = 'GpuOutOfMemoryError';
}

/**
 * A worker thread of the CPU backend stopped answering in the middle of a call (it was ended or failed where no
 * event could say so): the call is abandoned — the states it was advancing are left part-way — and the backend
 * continues on one thread (`engine.info.cpu.threads` becomes 1).
 */
export class CpuThreadError extends RwkvError {
  override name = 'CpuThreadError';
}

/**
 * A JSON Schema or grammar given for constrained output cannot be compiled (bad syntax, an unsupported keyword —
 * named in the message — or a grammar no output can satisfy). Raised before any token is generated: a request is
 * never answered with unconstrained text.
 */
export class GrammarError extends RwkvError {
  override name = 'GrammarError';
}

/** The error of a backend or GPU model all of whose `capacity` state slots are in use (engine option maxSessions). */
export function slotsInUseError(capacity: number): RwkvError {
  return new RwkvError(`All ${capacity} session slots are in use; free a session or allow more with maxSessions.`);
}
