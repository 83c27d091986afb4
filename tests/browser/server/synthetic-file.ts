/**
 * The bytes of the test server's synthetic files, a pure function of (seed, version, offset) so that any range can be
 * produced on its own and the browser tests can compute the expected bytes independently of the server.
 */

/** splitmix32-style mixing of a 32-bit value. */
function mix(value: number): number {
  let z = (value + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Bytes [start, end) of the file with this seed at this version. */
export function syntheticBytes(seed: number, version: number, start: number, end: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(end - start);
  const key = mix(seed ^ mix(version));
  for (let offset = start; offset < end; offset++) {
    out[offset - start] = mix(key ^ mix(Math.floor(offset / 4))) >>> ((offset % 4) * 8);
  }
  return out;
}
