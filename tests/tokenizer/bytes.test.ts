import { describe, expect, it } from 'vitest';
import { TokenizerMismatchError } from '../../src/errors.js';
import { BytesTokenizer } from '../../src/tokenizer/bytes.js';

describe('BytesTokenizer', () => {
  const tokenizer = new BytesTokenizer();

  it('maps text to the bytes of its UTF-8 encoding', () => {
    expect(tokenizer.encode('"in')).toEqual([0x22, 0x69, 0x6e]);
    expect(tokenizer.encode('é😀')).toEqual([0xc3, 0xa9, 0xf0, 0x9f, 0x98, 0x80]);
    expect(tokenizer.encode('')).toEqual([]);
  });

  it('decodes bytes back, invalid UTF-8 as U+FFFD', () => {
    expect(tokenizer.decode([0xc3, 0xa9, 0x21])).toBe('é!');
    expect(tokenizer.decode([0xff, 0x21])).toBe('\ufffd!');
    expect(Array.from(tokenizer.decodeBytes([0xff, 0]))).toEqual([0xff, 0]);
  });

  it('rejects ids that are not bytes', () => {
    expect(() => tokenizer.decode([256])).toThrow(TokenizerMismatchError);
    expect(() => tokenizer.decodeBytes([-1])).toThrow(TokenizerMismatchError);
  });
});
