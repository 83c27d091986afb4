/**
 * Progress events shared by every stage of loading a model: the store reports `download` and `verify`, the format
 * readers `parse`, the GPU path `upload` and `compile`, and the engine `ready`. Byte counts throughout.
 */

/** The stages of getting a model from its source to a usable engine, in order. */
export type LoadPhase = 'download' | 'verify' | 'parse' | 'upload' | 'compile' | 'ready';

export interface LoadProgress {
  phase: LoadPhase;
  /** Bytes done so far in this phase (for `download`, bytes of the file received, including those stored before). */
  loaded: number;
  /** Bytes in this phase overall (for `download` and `verify`, the file size). */
  total: number;
}

export type ProgressCallback = (progress: LoadProgress) => void;

/**
 * Said while loading, not a failure: `download-restarted` when the model store threw away the stored part of a
 * download and started over from byte 0, with why (docs/storage.md).
 */
export interface LoadWarning {
  phase: 'warning';
  code: 'download-restarted';
  message: string;
}
