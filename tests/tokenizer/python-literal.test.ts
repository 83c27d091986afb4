import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../src/errors.js';
import { MAX_BYTES_PER_CODE_UNIT, parsePythonLiteral } from '../../src/tokenizer/python-literal.js';

function parse(source: string, start = 0) {
  const out = new Uint8Array(source.length * MAX_BYTES_PER_CODE_UNIT);
  const literal = parsePythonLiteral(source, start, out);
  return { bytes: Array.from(out.subarray(0, literal.length)), end: literal.end };
}

function bytesOf(source: string): number[] {
  return parse(source).bytes;
}

describe('parsePythonLiteral', () => {
  it('reads plain str and bytes literals with either quote', () => {
    expect(bytesOf("'ab'")).toEqual([0x61, 0x62]);
    expect(bytesOf('"it\'s"')).toEqual([0x69, 0x74, 0x27, 0x73]);
    expect(bytesOf("b'A'")).toEqual([0x41]);
    expect(bytesOf('B"A"')).toEqual([0x41]);
  });

  it('encodes str characters as UTF-8 (é = C3 A9, 以 = E4 BB A5, 😀 = F0 9F 98 80)', () => {
    expect(bytesOf("'é以😀'")).toEqual([0xc3, 0xa9, 0xe4, 0xbb, 0xa5, 0xf0, 0x9f, 0x98, 0x80]);
  });

  it('decodes the simple escapes', () => {
    expect(bytesOf(String.raw`'\\\'\"\a\b\f\n\r\t\v'`)).toEqual([
      0x5c, 0x27, 0x22, 0x07, 0x08, 0x0c, 0x0a, 0x0d, 0x09, 0x0b,
    ]);
  });

  it('treats \\x as a code point in str and as a byte in bytes', () => {
    expect(bytesOf(String.raw`'\x41\xe9'`)).toEqual([0x41, 0xc3, 0xa9]);
    expect(bytesOf(String.raw`b'\x41\xe9'`)).toEqual([0x41, 0xe9]);
  });

  it('writes at the given offset and bounds its output by MAX_BYTES_PER_CODE_UNIT', () => {
    const source = "'\u{10ffff}\uffff'";
    const out = new Uint8Array(2 + source.length * MAX_BYTES_PER_CODE_UNIT).fill(0xaa);
    expect(parsePythonLiteral(source, 0, out, 2)).toEqual({ length: 7, end: source.length });
    expect(Array.from(out.subarray(0, 10))).toEqual([0xaa, 0xaa, 0xf4, 0x8f, 0xbf, 0xbf, 0xef, 0xbf, 0xbf, 0xaa]);
  });

  it('reads \\u, \\U and octal escapes', () => {
    expect(bytesOf(String.raw`'\u2002'`)).toEqual([0xe2, 0x80, 0x82]);
    expect(bytesOf(String.raw`'\U0001F600'`)).toEqual([0xf0, 0x9f, 0x98, 0x80]);
    expect(bytesOf(String.raw`'\0\101\7a'`)).toEqual([0x00, 0x41, 0x07, 0x61]);
    expect(bytesOf(String.raw`b'\377'`)).toEqual([0xff]);
  });

  it('returns the index after the closing quote', () => {
    expect(parse(String.raw`7 'a\'b' 3`, 2).end).toBe(8);
  });

  it.each([
    ["'abc", 'unterminated'],
    ["'a\\'", 'unterminated'],
    ['abc', 'expected a quote'],
    ["r'a'", 'expected a quote'],
    ["'\\x4'", 'truncated'],
    ["'\\u12'", 'truncated'],
    ["b'\\u1234'", 'unsupported escape'],
    ["'\\N{DASH}'", 'unsupported escape'],
    ["'\\q'", 'unsupported escape'],
    ["'\\ud800'", 'not a Unicode scalar value'],
    ["'\\U00110000'", 'not a Unicode scalar value'],
    ["b'é'", 'non-ASCII'],
    ["b'\\777'", 'exceeds a byte'],
    ["'a\nb'", 'line break'],
  ])('rejects %j (%s)', (source, reason) => {
    expect(() => parse(source)).toThrow(ModelFormatError);
    expect(() => parse(source)).toThrow(reason);
  });
});
