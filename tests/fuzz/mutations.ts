/**
 * The fuzzer's mutation operators on bytes, seeded: byte flips, truncations, spliced and duplicated ranges, and
 * integer fields set to the values that break length and count checks (0, 1, −1, the type's maximum, just past the
 * end of the file, huge products). Each operator returns the new bytes and a short description of what it did, so a
 * case can be read back from the report.
 */

/** A seeded source of uniform values in [0, 1). */
export type Random = () => number;

export interface Mutant<T = Uint8Array> {
  input: T;
  /** What was done, e.g. "u32 at 12 = 4294967295". */
  mutation: string;
}

export function below(random: Random, count: number): number {
  return Math.floor(random() * count);
}

export function pick<T>(random: Random, items: readonly T[]): T {
  return items[below(random, items.length)];
}

/** Values for a length, count or size field of `bits` bits in a file of `fileBytes` bytes. */
export function extremeValues(bits: 16 | 32 | 64, fileBytes: number): number[] {
  const max = bits === 64 ? Number.MAX_SAFE_INTEGER : 2 ** bits - 1;
  const near = [fileBytes - 1, fileBytes, fileBytes + 1, fileBytes * 2, Math.floor(fileBytes / 2)];
  return [0, 1, 2, 3, 7, 255, 256, 65535, 65536, max, max - 1, 2 ** (bits - 1), 2 ** (bits - 1) - 1, ...near].filter(
    (value) => value >= 0 && value <= max,
  );
}

export function extremeValue(random: Random, bits: 16 | 32 | 64, fileBytes: number): number {
  return pick(random, extremeValues(bits, fileBytes));
}

/** A copy of `bytes` with the unsigned little-endian integer of `bits` bits at `offset` set to `value`. */
export function withInteger(bytes: Uint8Array, offset: number, bits: 16 | 32 | 64, value: number): Uint8Array {
  const out = bytes.slice();
  if (offset + bits / 8 > out.length) return out;
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  if (bits === 16) view.setUint16(offset, value, true);
  else if (bits === 32) view.setUint32(offset, value >>> 0, true);
  else view.setBigUint64(offset, BigInt(value), true);
  return out;
}

/** Sets an integer field at `offset` to an extreme value. */
export function extremeField(
  random: Random,
  bytes: Uint8Array,
  offset: number,
  bits: 16 | 32 | 64,
  what: string,
): Mutant {
  const value = extremeValue(random, bits, bytes.length);
  return { input: withInteger(bytes, offset, bits, value), mutation: `${what} (u${bits} at ${offset}) = ${value}` };
}

/** 1–4 bytes in [start, end) set to random values. */
export function flipBytes(random: Random, bytes: Uint8Array, start = 0, end = bytes.length): Mutant {
  const out = bytes.slice();
  const at: number[] = [];
  const count = 1 + below(random, 4);
  for (let i = 0; i < count && end > start; i++) {
    const offset = start + below(random, end - start);
    out[offset] = below(random, 256);
    at.push(offset);
  }
  return { input: out, mutation: `bytes at ${at.join(',')} randomised` };
}

/** The file cut at a random length (often near a structure boundary when `boundaries` are given). */
export function truncate(random: Random, bytes: Uint8Array, boundaries: readonly number[] = []): Mutant {
  const near = boundaries.length > 0 && random() < 0.5 ? pick(random, boundaries) + below(random, 9) - 4 : -1;
  const length = near >= 0 && near < bytes.length ? near : below(random, bytes.length);
  return { input: bytes.slice(0, length), mutation: `truncated to ${length} of ${bytes.length} bytes` };
}

/** A range of bytes removed, or repeated in place. */
export function spliceRange(random: Random, bytes: Uint8Array): Mutant {
  const start = below(random, bytes.length);
  const length = 1 + below(random, Math.min(64, bytes.length - start));
  const duplicate = random() < 0.5;
  const out = new Uint8Array(bytes.length + (duplicate ? length : -length));
  out.set(bytes.subarray(0, start + (duplicate ? length : 0)));
  out.set(bytes.subarray(start + (duplicate ? 0 : length)), start + (duplicate ? length : 0));
  return { input: out, mutation: `${length} bytes at ${start} ${duplicate ? 'repeated' : 'removed'}` };
}

/** The generic byte-level mutations, for any file. */
export function byteMutation(random: Random, bytes: Uint8Array, boundaries: readonly number[] = []): Mutant {
  const roll = random();
  if (roll < 0.5) return flipBytes(random, bytes);
  if (roll < 0.8) return truncate(random, bytes, boundaries);
  return spliceRange(random, bytes);
}
