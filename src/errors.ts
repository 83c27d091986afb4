/**
 * Typed errors of the public API. Every failure a user can act on has its own class and a message that says what
 * went wrong and what to do.
 */

/** Base class: lets callers catch every error this library throws with one `instanceof`. */
export class RwkvError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A model file is malformed, truncated, hostile or of an unsupported kind. */
export class ModelFormatError extends RwkvError {}

/** The browser (or adapter) offers no WebGPU. */
export class WebGPUUnavailableError extends RwkvError {}

/** The GPU device was lost (driver reset, tab in background too long, out of memory). */
export class DeviceLostError extends RwkvError {}

/** Storage quota would be or was exceeded; nothing already stored was lost. */
export class QuotaError extends RwkvError {}

/** The tokenizer does not fit the model (e.g. a 65536-token model with the bytes tokenizer). */
export class TokenizerMismatchError extends RwkvError {}

/** An operation was aborted through an AbortSignal. Its `name` is 'AbortError' like the DOM's. */
export class AbortError extends RwkvError {
  constructor(message = 'The operation was aborted.', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AbortError';
  }
}

/** The GPU could not allocate a buffer or pipeline (caught through an 'out-of-memory' error scope). */
export class GpuOutOfMemoryError extends RwkvError {}
