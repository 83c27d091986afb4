/**
 * Typed errors of saved session states (checkpoints, exported state files and the prefix cache).
 */
import { RwkvError } from '../errors.js';

/** The bytes are not an rwkv-webgpu state file, are truncated or corrupt, or use a layout this version cannot read. */
export class StateFormatError extends RwkvError {
  override name = 'StateFormatError';
}

/** A state belongs to another model (another shape, or the same shape with other weights): it is never loaded. */
export class StateMismatchError extends RwkvError {
  override name = 'StateMismatchError';
}

/** `engine.restoreSession(key)` of a key under which no checkpoint is saved. */
export class CheckpointNotFoundError extends RwkvError {
  override name = 'CheckpointNotFoundError';
}
