/**
 * Speed and time left of a transfer, from its progress samples: the rate is measured over a sliding window of the
 * last few seconds (so it follows a connection that speeds up or slows down), and the time left is the bytes still
 * to come at that rate.
 */

const WINDOW_MS = 5000;

interface Sample {
  loaded: number;
  at: number;
}

export interface TransferEstimate {
  /** Bytes per second over the window; 0 until two samples exist. */
  bytesPerSecond: number;
  /** Seconds left at that rate; Infinity while the rate is unknown, 0 when done. */
  secondsLeft: number;
}

export class TransferRate {
  private samples: Sample[] = [];

  /** Records that `loaded` of `total` bytes are done at time `at` (milliseconds) and returns the estimate. */
  update(loaded: number, total: number, at: number): TransferEstimate {
    const last = this.samples.at(-1);
    if (last !== undefined && loaded < last.loaded) this.samples = [];
    this.samples.push({ loaded, at });
    while (this.samples.length > 2 && at - this.samples[1].at >= WINDOW_MS) this.samples.shift();
    const first = this.samples[0];
    const elapsed = (at - first.at) / 1000;
    const bytesPerSecond = elapsed > 0 ? (loaded - first.loaded) / elapsed : 0;
    const remaining = Math.max(0, total - loaded);
    const secondsLeft = remaining === 0 ? 0 : bytesPerSecond > 0 ? remaining / bytesPerSecond : Infinity;
    return { bytesPerSecond, secondsLeft };
  }
}
