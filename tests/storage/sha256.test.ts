/**
 * The incremental SHA-256 of src/storage/sha256.ts against the FIPS 180-4 / NIST test vectors and against
 * node:crypto on seeded random data fed in irregular pieces (every padding and block-boundary case).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../../src/storage/hash.js';
import { Sha256 } from '../../src/storage/sha256.js';

const text = (value: string): Uint8Array => new TextEncoder().encode(value);
const hexOf = (...pieces: Uint8Array[]): string => {
  const hasher = new Sha256();
  for (const piece of pieces) hasher.update(piece);
  return bytesToHex(hasher.digest());
};

function seededBytes(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

describe('Sha256', () => {
  it('matches the NIST vectors', () => {
    expect(hexOf(text(''))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hexOf(text('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hexOf(text('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
    expect(
      hexOf(
        text(
          'abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu',
        ),
      ),
    ).toBe('cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1');
    expect(hexOf(new Uint8Array(1_000_000).fill(0x61))).toBe(
      'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0',
    );
  });

  it('gives the same digest however the input is split, for every length around block boundaries', () => {
    for (const length of [1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 4096 + 17]) {
      const data = seededBytes(length, length);
      const reference = createHash('sha256').update(data).digest('hex');
      expect(hexOf(data), `length ${length} whole`).toBe(reference);
      const pieces: Uint8Array[] = [];
      for (let offset = 0, step = 1; offset < length; offset += step, step = (step * 7 + 3) % 97) {
        pieces.push(data.subarray(offset, offset + step));
      }
      expect(hexOf(...pieces), `length ${length} in ${pieces.length} pieces`).toBe(reference);
    }
  });

  it('refuses to be fed or finished twice after digest()', () => {
    const hasher = new Sha256().update(text('x'));
    hasher.digest();
    expect(() => hasher.update(text('y'))).toThrow();
    expect(() => hasher.digest()).toThrow();
  });
});
