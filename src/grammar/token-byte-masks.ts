/**
 * Token masks that depend only on the bytes of the tokens, computed once per vocabulary (a bit per token, bit id%32
 * of word id/32), which correct two faults of XGrammar's masks:
 * - valid UTF-8: XGrammar lets a character class's byte sequences include UTF-8-encoded surrogates (ED A0..BF ..),
 *   which decode to U+FFFD and so break `maxLength` and the text itself. The UTF-8 stream's position is one of
 *   eight states — at a character boundary, or inside a character expecting its next byte in some range — and per
 *   state a mask holds the tokens whose bytes continue a valid stream.
 * - control characters in JSON: XGrammar's length-bounded JSON strings admit raw bytes 00..1F, which JSON forbids.
 *   Compact JSON has no such byte anywhere (not even whitespace), so JSON output takes only the tokens without one.
 */
import type { Tokenizer } from '../tokenizer/tokenizer.js';

const INVALID = -1;
/** At a character boundary: where every output starts. */
export const UTF8_BOUNDARY = 0;
const BOUNDARY = UTF8_BOUNDARY;
const STATE_COUNT = 8;
const [NEED_1, NEED_2, NEED_3, AFTER_E0, AFTER_ED, AFTER_F0, AFTER_F4] = [1, 2, 3, 4, 5, 6, 7];

/** The state after `byte` in `state`, or INVALID (RFC 3629, table 3-7 of the Unicode standard). */
function nextUtf8State(state: number, byte: number): number {
  switch (state) {
    case BOUNDARY:
      if (byte < 0x80) return BOUNDARY;
      if (byte >= 0xc2 && byte <= 0xdf) return NEED_1;
      if (byte === 0xe0) return AFTER_E0;
      if (byte === 0xed) return AFTER_ED;
      if (byte >= 0xe1 && byte <= 0xef) return NEED_2;
      if (byte === 0xf0) return AFTER_F0;
      if (byte === 0xf4) return AFTER_F4;
      if (byte >= 0xf1 && byte <= 0xf3) return NEED_3;
      return INVALID;
    case AFTER_E0:
      return byte >= 0xa0 && byte <= 0xbf ? NEED_1 : INVALID;
    case AFTER_ED:
      return byte >= 0x80 && byte <= 0x9f ? NEED_1 : INVALID;
    case AFTER_F0:
      return byte >= 0x90 && byte <= 0xbf ? NEED_2 : INVALID;
    case AFTER_F4:
      return byte >= 0x80 && byte <= 0x8f ? NEED_2 : INVALID;
    default:
      return byte >= 0x80 && byte <= 0xbf ? state - 1 : INVALID;
  }
}

export class TokenByteMasks {
  /** utf8[state]: the tokens that continue valid UTF-8 from that state. */
  private readonly utf8: Int32Array[];
  /** The tokens without a byte in 00..1F. */
  readonly noControlBytes: Int32Array;
  /** Every token. */
  readonly all: Int32Array;
  /** The ids of the tokens with a digit (0-9), ascending: the only ones json-number-bounds.ts must check. */
  readonly withDigits: Uint32Array;
  /** The bytes of each of `withDigits`, in the same order. */
  readonly digitTokenBytes: Uint8Array[];

  constructor(tokenizer: Tokenizer) {
    const words = Math.ceil(tokenizer.vocabSize / 32);
    this.utf8 = Array.from({ length: STATE_COUNT }, () => new Int32Array(words));
    this.noControlBytes = new Int32Array(words);
    this.all = new Int32Array(words).fill(-1);
    const one = [0];
    const withDigits: number[] = [];
    this.digitTokenBytes = [];
    for (let id = 0; id < tokenizer.vocabSize; id++) {
      one[0] = id;
      const bytes = tokenizer.decodeBytes(one);
      const bit = 1 << (id & 31);
      for (let start = 0; start < STATE_COUNT; start++) {
        if (advanceUtf8(start, bytes) !== INVALID) this.utf8[start][id >>> 5] |= bit;
      }
      if (bytes.every((byte) => byte >= 0x20)) this.noControlBytes[id >>> 5] |= bit;
      if (bytes.some((byte) => byte >= 0x30 && byte <= 0x39)) {
        withDigits.push(id);
        this.digitTokenBytes.push(bytes);
      }
    }
    this.withDigits = Uint32Array.from(withDigits);
  }

  /** The tokens that continue valid UTF-8 from `state`. */
  utf8From(state: number): Int32Array {
    return this.utf8[state];
  }
}

/** The state after `bytes` from `state`, or INVALID. */
export function advanceUtf8(state: number, bytes: Uint8Array): number {
  for (const byte of bytes) {
    state = nextUtf8State(state, byte);
    if (state === INVALID) return INVALID;
  }
  return state;
}
