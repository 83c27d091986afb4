/**
 * Progress of one loading phase in bytes, reported at most every PROGRESS_INTERVAL_MS (and always at the end), so
 * that a stream of small reads does not flood the page with events; `reportingProgress` reports the bytes of a
 * model file read as its tensors' runs are consumed.
 */
import { observeRuns } from '../formats/tensor-stream.js';
import type { ModelStream } from '../formats/tensor-stream.js';
import type { LoadPhase, ProgressCallback } from '../progress.js';

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

  /** Reports the end of the phase: every byte done (the bytes actually seen when the total was unknown). */
  finish(): void {
    const total = this.total > 0 ? this.total : this.loaded;
    if (this.loaded !== total || this.reportedAt === -Infinity)
      this.sink?.({ phase: this.phase, loaded: total, total });
    this.loaded = total;
  }
}

/** The same stream, reporting `stream.bytesRead` to `progress` after every run its consumer reads. */
export function reportingProgress(stream: ModelStream, progress: PhaseProgress): ModelStream {
  return observeRuns(stream, () => progress.set(stream.bytesRead));
}
