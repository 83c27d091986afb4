/**
 * Progress events shared by every stage of loading a model: the store reports `download` and `verify`, the format
 * readers `parse`, the GPU path `upload` and `compile`, and the engine `ready`. Byte counts throughout.
 * `PhaseProgress` reports one phase at most every PROGRESS_INTERVAL_MS (and always at the end), so that a stream of
 * small reads does not flood the page with events.
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

/** Least time between two reports of one phase. */
const PROGRESS_INTERVAL_MS = 50;

export class PhaseProgress {
  private loaded = 0;
  private reportedAt = -Infinity;

  constructor(
    private readonly phase: LoadPhase,
    /** Bytes in the phase; 0 when unknown. */
    private readonly total: number,
    private readonly sink: ProgressCallback | undefined,
  ) {}

  /** Bytes done so far. */
  get done(): number {
    return this.loaded;
  }

  set(loaded: number): void {
    this.loaded = loaded;
    const now = performance.now();
    if (now - this.reportedAt >= PROGRESS_INTERVAL_MS || loaded === this.total) {
      this.reportedAt = now;
      this.sink?.({ phase: this.phase, loaded, total: this.total });
    }
  }

  /**
   * Reports the end of the phase: every byte done (the bytes actually seen when the total was unknown; `total` when
   * the phase turned out to hold more than announced).
   */
  finish(total = this.total > 0 ? this.total : this.loaded): void {
    if (this.loaded !== total || this.reportedAt === -Infinity)
      this.sink?.({ phase: this.phase, loaded: total, total });
    this.loaded = total;
  }
}
