/**
 * A strict parser for single-line Python string and bytes literals, as written by Python's repr() in the World
 * vocabulary: `'…'`, `"…"`, `b'…'`, `b"…"` with the escapes \\ \' \" \a \b \f \n \r \t \v \ooo \xhh, and in str
 * literals \uhhhh and \Uhhhhhhhh. A str literal yields the UTF-8 encoding of its characters; a bytes literal
 * yields its bytes. Anything else (raw or triple-quoted literals, \N{…}, unknown escapes, lone surrogates, non-ASCII
 * characters in bytes) is rejected with a ModelFormatError. Nothing is ever evaluated.
 */
import { ModelFormatError } from '../errors.js';

export interface ParsedLiteral {
  /** Number of bytes written. */
  length: number;
  /** Index just past the closing quote. */
  end: number;
}

/** Bytes a literal can produce per UTF-16 code unit of its source, at most (a BMP character: 3). */
export const MAX_BYTES_PER_CODE_UNIT = 3;

/** Writes bytes to a buffer, advancing its position. */
class ByteWriter {
  constructor(
    readonly buffer: Uint8Array,
    public position: number,
  ) {}

  push(byte: number): void {
    this.buffer[this.position++] = byte;
  }
}

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = {
  '\\': 0x5c,
  "'": 0x27,
  '"': 0x22,
  a: 0x07,
  b: 0x08,
  f: 0x0c,
  n: 0x0a,
  r: 0x0d,
  t: 0x09,
  v: 0x0b,
};

const HEX_DIGITS = /^[0-9a-fA-F]+$/;

/**
 * Parses the literal that starts at `source[start]`, writing its bytes to `out` from `outOffset`. `out` needs room
 * for MAX_BYTES_PER_CODE_UNIT bytes per code unit of the literal's source (the rest of `source` bounds it).
 */
export function parsePythonLiteral(source: string, start: number, out: Uint8Array, outOffset = 0): ParsedLiteral {
  let pos = start;
  const isBytes = source[pos] === 'b' || source[pos] === 'B';
  if (isBytes) pos++;
  const quote = source[pos];
  if (quote !== "'" && quote !== '"') fail(`expected a quote at column ${pos + 1}`);
  pos++;
  const writer = new ByteWriter(out, outOffset);
  for (;;) {
    if (pos >= source.length) fail('unterminated literal');
    const code = source.codePointAt(pos)!;
    if (code === quote.charCodeAt(0)) return { length: writer.position - outOffset, end: pos + 1 };
    if (code === 0x0a || code === 0x0d) fail(`line break inside a literal at column ${pos + 1}`);
    if (code === 0x5c) {
      pos = readEscape(source, pos + 1, isBytes, writer);
      continue;
    }
    if (isBytes && code > 0x7f) fail(`non-ASCII character in a bytes literal at column ${pos + 1}`);
    pushUtf8(writer, code);
    pos += code > 0xffff ? 2 : 1;
  }
}

/** Reads the escape whose letter is at `pos` (just after the backslash); returns the index after it. */
function readEscape(source: string, pos: number, isBytes: boolean, out: ByteWriter): number {
  const letter = source[pos];
  if (letter === undefined) fail('unterminated literal');
  const simple = SIMPLE_ESCAPES[letter];
  if (simple !== undefined) {
    out.push(simple);
    return pos + 1;
  }
  if (letter >= '0' && letter <= '7') {
    let end = pos + 1;
    while (end < pos + 3 && source[end] >= '0' && source[end] <= '7') end++;
    const value = parseInt(source.slice(pos, end), 8);
    if (isBytes && value > 0xff) fail(`octal escape \\${source.slice(pos, end)} exceeds a byte`);
    pushValue(out, value, isBytes);
    return end;
  }
  const hexDigits = letter === 'x' ? 2 : isBytes ? 0 : letter === 'u' ? 4 : letter === 'U' ? 8 : 0;
  if (hexDigits === 0) fail(`unsupported escape \\${letter} at column ${pos + 1}`);
  const digits = source.slice(pos + 1, pos + 1 + hexDigits);
  if (digits.length !== hexDigits || !HEX_DIGITS.test(digits)) fail(`truncated \\${letter} escape at column ${pos}`);
  const value = parseInt(digits, 16);
  if (value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) {
    fail(`escape \\${letter}${digits} is not a Unicode scalar value`);
  }
  pushValue(out, value, isBytes);
  return pos + 1 + hexDigits;
}

/** A byte in a bytes literal, a code point (UTF-8 encoded) in a str literal. */
function pushValue(out: ByteWriter, value: number, isBytes: boolean): void {
  if (isBytes) out.push(value);
  else pushUtf8(out, value);
}

function pushUtf8(out: ByteWriter, code: number): void {
  if (code >= 0xd800 && code <= 0xdfff) fail('lone surrogate in a literal');
  if (code < 0x80) {
    out.push(code);
    return;
  }
  if (code < 0x800) {
    out.push(0xc0 | (code >> 6));
  } else if (code < 0x10000) {
    out.push(0xe0 | (code >> 12));
    out.push(0x80 | ((code >> 6) & 0x3f));
  } else {
    out.push(0xf0 | (code >> 18));
    out.push(0x80 | ((code >> 12) & 0x3f));
    out.push(0x80 | ((code >> 6) & 0x3f));
  }
  out.push(0x80 | (code & 0x3f));
}

function fail(message: string): never {
  throw new ModelFormatError(`Invalid Python literal: ${message}.`);
}
