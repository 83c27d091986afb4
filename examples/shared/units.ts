/**
 * Human-readable quantities for the pages: byte counts (decimal units, as browsers and servers report them),
 * durations, and rates.
 */

const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];

/** 1234567 → "1.23 MB"; three significant digits above 1 kB. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toPrecision(3)} ${BYTE_UNITS[unit]}`;
}

/** 75 → "1 min 15 s"; 3700 → "1 h 2 min"; under 10 s with one decimal. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** 123.456 → "123 tok/s"; 4.56 → "4.6 tok/s". */
export function formatTokensPerSecond(rate: number): string {
  if (!Number.isFinite(rate) || rate <= 0) return '— tok/s';
  return `${rate >= 100 ? Math.round(rate) : rate.toPrecision(2)} tok/s`;
}
