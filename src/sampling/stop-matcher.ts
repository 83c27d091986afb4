/**
 * Watches streamed text for stop strings that may be split across chunks. Text is released only once it can no
 * longer be the start of a stop string; the suffix that still could be is held back. A stop fires at the earliest
 * position where any stop string ends (the longest one if several end there), so the outcome does not depend on
 * how the text was cut into chunks. The stop string itself and everything after it are never released.
 */

export interface StopMatchResult {
  /** Text that is now safe to show (possibly empty). */
  text: string;
  /** The stop string that completed, when generation must end. */
  stop?: string;
}

export class StopMatcher {
  private readonly stops: readonly string[];
  private pending = '';
  private completed: string | undefined;

  constructor(stops: readonly string[]) {
    if (stops.some((stop) => stop === '')) throw new RangeError('A stop string must not be empty');
    this.stops = [...stops].sort((a, b) => b.length - a.length);
  }

  /** The stop string that ended the text, once one has. */
  get stop(): string | undefined {
    return this.completed;
  }

  push(chunk: string): StopMatchResult {
    if (this.completed !== undefined) return { text: '', stop: this.completed };
    const searchFrom = this.pending.length + 1;
    this.pending += chunk;
    for (let end = searchFrom; end <= this.pending.length; end++) {
      const stop = this.stops.find((candidate) => this.pending.endsWith(candidate, end));
      if (stop !== undefined) {
        this.completed = stop;
        const text = this.pending.slice(0, end - stop.length);
        this.pending = '';
        return { text, stop };
      }
    }
    const held = this.heldLength();
    const text = this.pending.slice(0, this.pending.length - held);
    this.pending = this.pending.slice(this.pending.length - held);
    return { text };
  }

  /** Ends the stream without a stop: releases whatever was held back. */
  flush(): string {
    const text = this.pending;
    this.pending = '';
    return text;
  }

  /** Length of the longest suffix of the pending text that a stop string starts with. */
  private heldLength(): number {
    const longest = Math.min(this.pending.length, (this.stops[0]?.length ?? 1) - 1);
    for (let length = longest; length > 0; length--) {
      const suffix = this.pending.slice(this.pending.length - length);
      if (this.stops.some((stop) => stop.startsWith(suffix))) return length;
    }
    return 0;
  }
}
