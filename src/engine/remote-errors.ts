/**
 * Errors that crossed the worker boundary arrive as plain `Error`s carrying the original `name` (comlink keeps
 * name, message and stack only); this turns them back into the library's typed errors so that `instanceof` works
 * the same with and without a worker.
 */
import {
  AbortError,
  CpuThreadError,
  DeviceLostError,
  GpuOutOfMemoryError,
  GrammarError,
  ModelFormatError,
  QuotaError,
  RwkvError,
  TokenizerMismatchError,
  WebGPUUnavailableError,
} from '../errors.js';
import { DownloadError, ModelIntegrityError, ModelNotStoredError } from '../storage/errors.js';
import { CheckpointNotFoundError, StateFormatError, StateMismatchError } from '../storage/state-errors.js';

const ERROR_CLASSES: Record<string, new (message: string) => Error> = {
  AbortError,
  CheckpointNotFoundError,
  CpuThreadError,
  DeviceLostError,
  DownloadError,
  GpuOutOfMemoryError,
  GrammarError,
  ModelFormatError,
  ModelIntegrityError,
  ModelNotStoredError,
  QuotaError,
  RangeError,
  RwkvError,
  StateFormatError,
  StateMismatchError,
  TokenizerMismatchError,
  TypeError,
  WebGPUUnavailableError,
};

/** The typed error `error` stood for, or `error` itself when it is already typed or unknown. */
export function reviveError(error: unknown): unknown {
  if (!(error instanceof Error) || error.constructor !== Error) return error;
  const ErrorClass = ERROR_CLASSES[error.name];
  if (ErrorClass === undefined) return error;
  const revived = new ErrorClass(error.message);
  revived.stack = error.stack;
  return revived;
}
