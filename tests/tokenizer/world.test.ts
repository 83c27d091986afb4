import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ModelFormatError, TokenizerMismatchError } from '../../src/errors.js';
import { WorldTokenizer } from '../../src/tokenizer/world.js';
import { describeWithFixtures, fixturePath } from '../fixtures.js';

/** A hand-made vocabulary in the World file format: the 256 bytes (ids 1..256), then `extra` from id 257. */
function handMadeVocab(extra: string[]): string {
  const lines: string[] = [];
  for (let byte = 0; byte < 256; byte++) lines.push(`${byte + 1} b'\\x${byte.toString(16).padStart(2, '0')}' 1`);
  extra.forEach((line, i) => lines.push(`${257 + i} ${line}`));
  return lines.join('\n') + '\n';
}

describe('WorldTokenizer on a hand-made vocabulary', () => {
  const tokenizer = new WorldTokenizer(handMadeVocab(["'ab' 2", "'abc' 3", "'bcd' 3", "'é' 2", "'\\n\\n' 2"]), 300);
  const [ab, abc, bcd, eAcute, twoNewlines] = [257, 258, 259, 260, 261];
  const byteId = (char: string) => char.charCodeAt(0) + 1;

  it('matches greedily, longest first, without backtracking', () => {
    // "abcd": the longest token at 0 is "abc", leaving "d" — never "ab" + "cd"-like splits.
    expect(tokenizer.encode('abcd')).toEqual([abc, byteId('d')]);
    expect(tokenizer.encode('abd')).toEqual([ab, byteId('d')]);
    expect(tokenizer.encode('xbcd')).toEqual([byteId('x'), bcd]);
    expect(tokenizer.encode('é\n\n\n')).toEqual([eAcute, twoNewlines, byteId('\n')]);
  });

  it('falls back to single bytes for characters without a token', () => {
    expect(tokenizer.encode('以')).toEqual([0xe4 + 1, 0xbb + 1, 0xa5 + 1]);
  });

  it('decodes back to the same text and bytes', () => {
    const text = 'abcd é 以 😀\n\n';
    expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
    expect(Array.from(tokenizer.decodeBytes([abc, 0, eAcute]))).toEqual([0x61, 0x62, 0x63, 0xc3, 0xa9]);
  });

  it('rejects ids outside the vocabulary', () => {
    expect(() => tokenizer.decode([300])).toThrow(TokenizerMismatchError);
    expect(() => tokenizer.decode([-1])).toThrow(TokenizerMismatchError);
    expect(() => tokenizer.decode([1.5])).toThrow(TokenizerMismatchError);
  });

  it.each([
    ["'abc' 2", 'has 3 bytes but the file says 2'],
    ["'ab' 2\n257 'cd' 2", 'appears twice'],
    ["'ab' 2\n258 'ab' 2", 'repeats an earlier token'],
    ["'ab'2", 'expected " length"'],
    ["'ab' 2 x", 'expected " length"'],
    ["'' 0", 'is empty'],
    ["'a\\qb' 3", 'unsupported escape'],
  ])('rejects the line %j', (line, reason) => {
    expect(() => new WorldTokenizer(handMadeVocab([line]), 300)).toThrow(ModelFormatError);
    expect(() => new WorldTokenizer(handMadeVocab([line]), 300)).toThrow(reason);
  });

  it('requires a token for every single byte', () => {
    const withoutByte7 = handMadeVocab([]).replace("8 b'\\x07' 1\n", '');
    expect(() => new WorldTokenizer(withoutByte7, 300)).toThrow('no token for the single byte 0x7');
  });

  it('reports the line of a malformed entry', () => {
    expect(() => new WorldTokenizer(handMadeVocab(['abc 3']), 300)).toThrow('line 257');
  });
});

describeWithFixtures('WorldTokenizer on rwkv_vocab_v20230424.txt', () => {
  const vocabText = readFileSync(fixturePath('tokenizers', 'rwkv_vocab_v20230424.txt'), 'utf8');
  const started = performance.now();
  const tokenizer = new WorldTokenizer(vocabText);
  const constructionMs = performance.now() - started;

  it('encodes the reference vectors of rwkv-notes.md exactly', () => {
    expect(tokenizer.encode("I'll 'd test блабла 以下は、]) -> <|endoftext|><|padding|> int")).toEqual([
      74, 5229, 274, 101, 32223, 5092, 27980, 2795, 27980, 33, 10399, 10258, 10139, 10079, 1682, 3463, 295, 125, 25258,
      7588, 2318, 125, 790, 125, 49520, 125, 63, 21888,
    ]);
    expect(tokenizer.encode('Today is a beautiful day. 今天是美好的一天。')).toEqual([
      33520, 4600, 332, 59219, 21509, 47, 33, 10381, 11639, 13091, 15597, 11685, 14734, 10250, 11639, 10080,
    ]);
  });

  it('maps bytes to ids 1..256 and decodes the padding ids to nothing', () => {
    expect(tokenizer.encode('\u0000\u007f')).toEqual([1, 128]);
    expect(tokenizer.decodeBytes([0, 65529, 65535]).length).toBe(128);
    expect(tokenizer.vocabSize).toBe(65536);
  });

  it('round-trips multilingual text, whitespace and emoji', () => {
    const text = 'Ça va? 😀👍🏽 Ελληνικά, العربية, हिन्दी\n\n\t  日本語のテキスト  \r\n';
    expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
  });

  it('is fast to build and to run (measured, not asserted)', () => {
    const text = 'The quick brown fox jumps over the lazy dog. 今天是美好的一天。 Ελληνικά 😀\n'.repeat(4000);
    const bytes = new TextEncoder().encode(text).length;
    const encodeStarted = performance.now();
    const ids = tokenizer.encode(text);
    const encodeMs = performance.now() - encodeStarted;
    console.log(
      `World tokenizer: construction ${constructionMs.toFixed(1)} ms; encode ${((bytes / encodeMs) * 1e-3).toFixed(1)}` +
        ` MB/s (${ids.length} tokens from ${bytes} bytes in ${encodeMs.toFixed(1)} ms)`,
    );
    expect(tokenizer.decode(ids)).toBe(text);
  });
});
