/**
 * The buffer between a running generation and whoever reads it (the page, through comlink, which has no async
 * generators): the generation pushes tokens; each `pull` returns every token made since the previous pull, waiting
 * for at least one, and finally the statistics or the error that ended the generation. A generation whose reader
 * lags by `capacity` tokens waits (`whenRoom`) instead of running ahead.
 */
import type { GeneratedToken, GenerationPull, GenerationStats } from '../protocol/types.js';

type Outcome = { stats: GenerationStats } | { error: unknown };

export class TokenChannel {
  private buffer: GeneratedToken[] = [];
  private outcome: Outcome | undefined;
  private wakeReader: (() => void) | undefined;
  private wakeWriter: (() => void) | undefined;

  constructor(private readonly capacity: number) {}

  push(token: GeneratedToken): void {
    this.buffer.push(token);
    this.wake();
  }

  end(stats: GenerationStats): void {
    this.outcome ??= { stats };
    this.wake();
  }

  fail(error: unknown): void {
    this.outcome ??= { error };
    this.wake();
  }

  /** Resolves once the reader has taken enough tokens for the buffer to be below capacity, or on abort. */
  whenRoom(signal: AbortSignal): Promise<void> {
    if (this.buffer.length < this.capacity || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        signal.removeEventListener('abort', wake);
        this.wakeWriter = undefined;
        resolve();
      };
      this.wakeWriter = wake;
      signal.addEventListener('abort', wake);
    });
  }

  /** Tokens made since the last pull; rejects with the generation's error once it failed. */
  async pull(): Promise<GenerationPull> {
    while (this.buffer.length === 0 && this.outcome === undefined) {
      await new Promise<void>((resolve) => (this.wakeReader = resolve));
    }
    const tokens = this.buffer;
    this.buffer = [];
    this.wakeWriter?.();
    if (this.outcome !== undefined && 'error' in this.outcome) {
      if (tokens.length === 0) throw this.outcome.error;
      return { tokens };
    }
    return this.outcome === undefined ? { tokens } : { tokens, stats: this.outcome.stats };
  }

  private wake(): void {
    this.wakeReader?.();
    this.wakeReader = undefined;
  }
}
