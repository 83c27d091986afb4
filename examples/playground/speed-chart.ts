/**
 * A small line chart of the decode speed during a generation, on a canvas: tokens per second over the last half
 * second or so, sampled as tokens arrive, against time since the first token. A generation too short for that window
 * (a fast backend, a few tokens) is charted when it ends, as the average rate since the first token at each arrival.
 * The canvas's accessible name carries the latest figures, since a picture alone says nothing to a screen reader.
 */
import { formatTokensPerSecond } from '../shared/units.js';

const WINDOW_MS = 500;

interface Point {
  /** Milliseconds since the first token. */
  t: number;
  rate: number;
}

export class SpeedChart {
  private points: Point[] = [];
  /** Every arrival of this generation (one per token or burst: a few thousand at most). */
  private arrivals: { at: number; count: number }[] = [];
  private windowStart = 0;

  constructor(private readonly canvas: HTMLCanvasElement) {}

  reset(): void {
    this.points = [];
    this.arrivals = [];
    this.windowStart = 0;
    this.draw();
  }

  /** `count` tokens arrived at time `at` (ms). */
  add(count: number, at: number): void {
    const { arrivals } = this;
    arrivals.push({ at, count });
    while (this.windowStart < arrivals.length - 2 && at - arrivals[this.windowStart + 1].at >= WINDOW_MS) {
      this.windowStart++;
    }
    const span = at - arrivals[this.windowStart].at;
    // Tokens arrive in bursts (one per message from the worker): a rate needs a stretch of time to mean anything.
    if (span < WINDOW_MS / 2) return;
    const tokens = arrivals.slice(this.windowStart + 1).reduce((sum, arrival) => sum + arrival.count, 0);
    this.points.push({ t: at - arrivals[0].at, rate: (tokens * 1000) / span });
    this.draw();
  }

  /** The generation ended: one too short for the sliding window is charted by its running average. */
  finish(): void {
    if (this.points.length >= 2) return;
    const [first, ...rest] = this.arrivals;
    let tokens = 0;
    this.points = [];
    for (const arrival of rest) {
      tokens += arrival.count;
      if (arrival.at > first.at)
        this.points.push({ t: arrival.at - first.at, rate: (tokens * 1000) / (arrival.at - first.at) });
    }
    this.draw();
  }

  private draw(): void {
    const { canvas } = this;
    const scale = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(canvas.clientWidth * scale));
    const height = Math.max(1, Math.round(canvas.clientHeight * scale));
    if (canvas.width !== width || canvas.height !== height) Object.assign(canvas, { width, height });
    const context = canvas.getContext('2d');
    if (context === null) return;
    const style = getComputedStyle(canvas);
    context.clearRect(0, 0, width, height);
    if (this.points.length < 2) {
      canvas.setAttribute('aria-label', 'Decode speed over time: no data yet');
      return;
    }
    const maxRate = Math.max(...this.points.map((point) => point.rate)) * 1.15;
    const maxT = this.points.at(-1)!.t || 1;
    const pad = 6 * scale;
    const x = (t: number) => pad + ((width - 2 * pad) * t) / maxT;
    const y = (rate: number) => height - pad - ((height - 2 * pad) * rate) / maxRate;
    context.strokeStyle = style.getPropertyValue('--accent').trim() || '#2457c5';
    context.lineWidth = 2 * scale;
    context.beginPath();
    this.points.forEach((point, i) =>
      i === 0 ? context.moveTo(x(point.t), y(point.rate)) : context.lineTo(x(point.t), y(point.rate)),
    );
    context.stroke();
    context.fillStyle = style.color;
    context.font = `${11 * scale}px system-ui, sans-serif`;
    context.fillText(`peak ${formatTokensPerSecond(maxRate / 1.15)}`, pad, pad + 10 * scale);
    const latest = this.points.at(-1)!.rate;
    canvas.setAttribute(
      'aria-label',
      `Decode speed over ${(maxT / 1000).toFixed(1)} s: now ${formatTokensPerSecond(latest)}, ` +
        `peak ${formatTokensPerSecond(maxRate / 1.15)}`,
    );
  }
}
