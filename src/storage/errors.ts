/**
 * Typed errors of the model store, beside those of src/errors.ts (QuotaError, AbortError) that it also throws.
 */
import { RwkvError } from '../errors.js';

/**
 * A download failed for a reason that retrying did not cure (HTTP error, network down, server without sizes). What
 * was stored stays stored: calling `download` again resumes.
 */
export class DownloadError extends RwkvError {
  override name = 'DownloadError';

  constructor(
    message: string,
    /** HTTP status of the failing response, when there was one. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** `open` of a model that is not in the store, or not completely downloaded yet. */
export class ModelNotStoredError extends RwkvError {
  override name = 'ModelNotStoredError';
}

/**
 * Stored bytes failed their SHA-256 check and could not be fetched again (source unreachable, or it now serves
 * something else), or the whole file does not have the expected SHA-256. Bad bytes are never handed out.
 */
export class ModelIntegrityError extends RwkvError {
  override name = 'ModelIntegrityError';
}
