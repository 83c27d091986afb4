/** Typed arrays joined end to end into one new array (stacked tensor parts, a tensor's runs, a file's records). */

interface JoinableArray extends ArrayLike<number> {
  set(values: ArrayLike<number>, offset: number): void;
}

/** A new array of `create`'s kind holding every part, in order. */
export function joinArrays<T extends JoinableArray>(parts: readonly T[], create: new (length: number) => T): T {
  const out = new create(parts.reduce((total, part) => total + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
