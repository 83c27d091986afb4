/**
 * Seeded pseudo-random numbers for reproducible sampling: xoshiro128** (Blackman & Vigna), its 128-bit state filled
 * from two SplitMix64 outputs of the seed (low word first). Same seed → same sequence on every platform.
 */

const MASK64 = (1n << 64n) - 1n;

/** The SplitMix64 sequence from `seed`: the first `count` outputs. */
export function splitMix64(seed: bigint, count: number): bigint[] {
  const outputs: bigint[] = [];
  let state = seed & MASK64;
  for (let i = 0; i < count; i++) {
    state = (state + 0x9e3779b97f4a7c15n) & MASK64;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
    outputs.push(z ^ (z >> 31n));
  }
  return outputs;
}

export class Prng {
  private readonly state: Uint32Array;

  /** `seed`: an integer in 0 .. 2^53 − 1. */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new RangeError(`A seed must be an integer in 0..2^53 − 1, not ${seed}`);
    }
    const [a, b] = splitMix64(BigInt(seed), 2);
    this.state = Uint32Array.of(Number(a & 0xffffffffn), Number(a >> 32n), Number(b & 0xffffffffn), Number(b >> 32n));
  }

  /** Builds a generator from a raw xoshiro128** state (not all zero). */
  static fromState(state: ArrayLike<number>): Prng {
    const prng = new Prng(0);
    prng.state.set(Array.from(state));
    if (prng.state.every((word) => word === 0)) throw new RangeError('An all-zero xoshiro128** state never moves');
    return prng;
  }

  nextUint32(): number {
    const s = this.state;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** A uniform number in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const high = this.nextUint32() >>> 5;
    const low = this.nextUint32() >>> 6;
    return (high * 67108864 + low) / 9007199254740992;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
