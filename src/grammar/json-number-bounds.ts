/**
 * Keeps JSON numbers finite. XGrammar's JSON number rule has no length bound, and a model (or a test's random
 * logits) can keep adding digits: "396e2950" or a 400-digit integer is valid JSON but parses to Infinity, or to an
 * integer JavaScript cannot hold. Outside strings, a run of digits may be at most 15 long (integer and fraction
 * parts alike) and an exponent at most 2 digits, so every number parses to a finite value (< 10^15 · 10^99) and an
 * integer is a safe integer. Only tokens holding a digit are ever checked, against a small lexer state that follows
 * the output: inside a string or not, after a backslash, after an exponent mark, and the current digit run.
 */

const MAX_DIGITS = 15;
const MAX_EXPONENT_DIGITS = 2;
const [QUOTE, BACKSLASH, LOWER_E, UPPER_E, PLUS, MINUS] = [0x22, 0x5c, 0x65, 0x45, 0x2b, 0x2d];

interface LexerState {
  inString: boolean;
  escaped: boolean;
  inExponent: boolean;
  digits: number;
}

export class JsonNumberBounds {
  private state: LexerState = { inString: false, escaped: false, inExponent: false, digits: 0 };

  /** Whether `bytes` may follow without a digit run going past its bound. */
  fits(bytes: Uint8Array): boolean {
    const { inString, escaped, inExponent, digits } = this.state;
    return step({ inString, escaped, inExponent, digits }, bytes);
  }

  /** Follows the output past `bytes`. */
  advance(bytes: Uint8Array): void {
    step(this.state, bytes);
  }
}

/** Moves `state` past `bytes` (in place); false as soon as a digit run is too long. */
function step(state: LexerState, bytes: Uint8Array): boolean {
  for (const byte of bytes) {
    if (state.inString) {
      if (state.escaped) state.escaped = false;
      else if (byte === BACKSLASH) state.escaped = true;
      else if (byte === QUOTE) state.inString = false;
      continue;
    }
    if (byte >= 0x30 && byte <= 0x39) {
      state.digits++;
      if (state.digits > (state.inExponent ? MAX_EXPONENT_DIGITS : MAX_DIGITS)) return false;
      continue;
    }
    if (byte === PLUS || byte === MINUS) continue;
    state.inExponent = byte === LOWER_E || byte === UPPER_E;
    state.digits = 0;
    if (byte === QUOTE) state.inString = true;
  }
  return true;
}
