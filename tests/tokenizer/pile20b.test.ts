import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ModelFormatError, TokenizerMismatchError } from '../../src/errors.js';
import {
  BYTE_TO_CHAR,
  MAX_TOKEN_BYTES_PER_CODE_UNIT,
  pretokenize,
  writeTokenBytes,
} from '../../src/tokenizer/byte-level.js';
import { Pile20bTokenizer } from '../../src/tokenizer/pile20b.js';
import { describeWithFixtures, fixturePath } from '../fixtures.js';

/** A tiny HF tokenizer JSON: the 256 byte characters (ids 0..255), then the merges' results, then added tokens. */
function handMadeJson(merges: string[], addedTokens: object[] = [], overrides: Record<string, unknown> = {}): string {
  const vocab: Record<string, number> = {};
  BYTE_TO_CHAR.forEach((char, byte) => (vocab[char] = byte));
  for (const merge of merges) vocab[merge.replace(' ', '')] ??= Object.keys(vocab).length;
  return JSON.stringify({
    added_tokens: addedTokens,
    normalizer: { type: 'NFC' },
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true },
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true },
    model: { type: 'BPE', vocab, merges },
    ...overrides,
  });
}

const byteId = (char: string) => char.charCodeAt(0);

function tokenBytes(token: string): number[] {
  const out = new Uint8Array(1 + token.length * MAX_TOKEN_BYTES_PER_CODE_UNIT);
  const length = writeTokenBytes(token, out, 1);
  return Array.from(out.subarray(1, 1 + length));
}

describe('byte-level helpers', () => {
  it("map bytes like GPT-2's bytes_to_unicode", () => {
    // Printable Latin-1 stands for itself; the 68 others go to U+0100.. in byte order (0x00..0x20, 0x7f..0xa0, 0xad).
    expect(BYTE_TO_CHAR[0x41]).toBe('A');
    expect(BYTE_TO_CHAR[0xe9]).toBe('é');
    expect(BYTE_TO_CHAR[0x00]).toBe('\u0100');
    expect(BYTE_TO_CHAR[0x0a]).toBe('Ċ');
    expect(BYTE_TO_CHAR[0x20]).toBe('Ġ');
    expect(BYTE_TO_CHAR[0x7f]).toBe('ġ');
    expect(BYTE_TO_CHAR[0xa0]).toBe('\u0142');
    expect(BYTE_TO_CHAR[0xad]).toBe('\u0143');
    expect(new Set(BYTE_TO_CHAR).size).toBe(256);
  });

  it("split text with GPT-2's pattern", () => {
    expect(pretokenize("I'll've 'D it's")).toEqual(['I', "'ll", "'ve", " '", 'D', ' it', "'s"]);
    // "\n\n" before "c": \s+(?!\S) can take only the first "\n"; the second falls to \s+.
    expect(pretokenize('a  b\n\nc 12ab')).toEqual(['a', ' ', ' b', '\n', '\n', 'c', ' 12', 'ab']);
    expect(pretokenize('a\n\n')).toEqual(['a', '\n\n']);
    expect(pretokenize('x\u00a0y é')).toEqual(['x', '\u00a0', 'y', ' é']);
    expect(pretokenize('a\ufeffb  ')).toEqual(['a', '\ufeff', 'b', '  ']);
  });

  it('read token strings back as bytes, or as UTF-8 when they are not byte-level', () => {
    expect(tokenBytes('ĠÃ©')).toEqual([0x20, 0xc3, 0xa9]);
    expect(tokenBytes('ðŁĺĢ')).toEqual([0xf0, 0x9f, 0x98, 0x80]);
    expect(tokenBytes('  ')).toEqual([0x20, 0x20]);
    expect(tokenBytes('한')).toEqual([0xed, 0x95, 0x9c]);
  });
});

describe('Pile20bTokenizer on a hand-made vocabulary', () => {
  it('applies merges by rank, not by position', () => {
    const tokenizer = new Pile20bTokenizer(handMadeJson(['b c', 'a b', 'a bc']));
    // (b,c) has rank 0: "abc" → a + bc → abc via rank 2; "abd" → ab + d.
    expect(tokenizer.encode('abc')).toEqual([258]);
    expect(tokenizer.encode('abd')).toEqual([257, byteId('d')]);
  });

  it('reads merges written as pairs too', () => {
    const json = handMadeJson(['a b']).replace('"merges":["a b"]', '"merges":[["a","b"]]');
    expect(new Pile20bTokenizer(json).encode('cab')).toEqual([byteId('c'), 256]);
  });

  it('merges equal ranks leftmost first', () => {
    const tokenizer = new Pile20bTokenizer(handMadeJson(['a a', 'aa aa']));
    expect(tokenizer.encode('aaa')).toEqual([256, byteId('a')]);
    expect(tokenizer.encode('aaaaa')).toEqual([257, byteId('a')]);
  });

  it('handles long words', () => {
    const tokenizer = new Pile20bTokenizer(handMadeJson(['a a', 'aa aa']));
    expect(tokenizer.encode('a'.repeat(20_001))).toEqual([...new Array(5000).fill(257), byteId('a')]);
  });

  it('cuts added tokens out leftmost-longest; normalized ones only after NFC', () => {
    const added = [
      { id: 300, content: '<s>', special: true, normalized: false },
      { id: 301, content: '<s><s>', special: true, normalized: false },
      { id: 302, content: '한', special: false, normalized: true },
    ];
    const tokenizer = new Pile20bTokenizer(handMadeJson([], added));
    expect(tokenizer.encode('x<s><s><s>')).toEqual([byteId('x'), 301, 300]);
    // "한" decomposed (NFD: U+1112 U+1161 U+11AB) matches the normalized token only after NFC.
    expect(tokenizer.encode('\u1112\u1161\u11ab')).toEqual([302]);
    expect(tokenizer.encode('<\u1112\u1161\u11ab>')).toEqual([byteId('<'), 302, byteId('>')]);
    expect(tokenizer.decode([byteId('x'), 301, 302])).toBe('x<s><s>한');
    expect(tokenizer.vocabSize).toBe(303);
    expect(tokenizer.decode([299])).toBe('');
  });

  it('rejects ids outside the vocabulary', () => {
    expect(() => new Pile20bTokenizer(handMadeJson([])).decode([256])).toThrow(TokenizerMismatchError);
  });

  it.each([
    ['text that is not JSON', 'not json', 'not valid JSON'],
    ['a WordPiece model', handMadeJson([], [], { model: { type: 'WordPiece', vocab: {}, merges: [] } }), 'must be BPE'],
    ['an NFKC normalizer', handMadeJson([], [], { normalizer: { type: 'NFKC' } }), 'normalizer must be NFC'],
    [
      'a prefix space',
      handMadeJson([], [], { pre_tokenizer: { type: 'ByteLevel', add_prefix_space: true } }),
      'prefix',
    ],
    ['a merge out of vocab', handMadeJson(['a b']).replace('"ab":256', '"zz":256'), 'not in the vocab'],
    ['a merge of unknown tokens', handMadeJson([]).replace('"merges":[]', '"merges":["a Z9"]'), 'not in the vocab'],
    ['a merge of three parts', handMadeJson(['a b c']), 'merge 0 is not a pair'],
    ['a missing byte', handMadeJson([]).replace('"a":97,', ''), 'no token for byte 0x61'],
    ['an lstrip added token', handMadeJson([], [{ id: 300, content: 'x', lstrip: true }]), 'unsupported'],
    ['no pre-tokenizer', JSON.stringify({ model: { type: 'BPE' } }), 'missing "pre_tokenizer"'],
    // Found by the fuzzer (tests/fuzz): such an id sized the token tables by itself, a hang of minutes.
    [
      'a vocab id far beyond the tokens',
      handMadeJson([]).replace('"a":97', '"a":4294967294'),
      'id 4294967294 is far beyond',
    ],
    [
      'an added token id far beyond',
      handMadeJson([], [{ id: 1e9, content: '<x>' }]),
      'id 1000000000 is far beyond the 257',
    ],
    [
      'two vocab tokens with one id (found by the fuzzer: the text did not come back as written)',
      handMadeJson([]).replace('"a":97', '"a":98'),
      'vocab id 98 is given to both',
    ],
    [
      'an added token that is null (found by the fuzzer)',
      handMadeJson([]).replace('"added_tokens":[]', '"added_tokens":[null]'),
      'added token null',
    ],
  ])('rejects %s', (_label, json, reason) => {
    expect(() => new Pile20bTokenizer(json)).toThrow(ModelFormatError);
    expect(() => new Pile20bTokenizer(json)).toThrow(reason);
  });
});

describeWithFixtures('Pile20bTokenizer on 20B_tokenizer.json', () => {
  const json = readFileSync(fixturePath('tokenizers', '20B_tokenizer.json'), 'utf8');
  const started = performance.now();
  const tokenizer = new Pile20bTokenizer(json);
  const constructionMs = performance.now() - started;
  const { vocab } = JSON.parse(json).model as { vocab: Record<string, number> };

  it('encodes "Hello World!" as rwkv-notes.md says, token by token from the vocab', () => {
    expect(tokenizer.encode('Hello World!')).toEqual([12092, 3645, 2]);
    expect([vocab['Hello'], vocab['ĠWorld'], vocab['!']]).toEqual([12092, 3645, 2]);
  });

  it('turns runs of spaces into the added space tokens', () => {
    // Added tokens 50254..50276 are 24..2 spaces: "  " is 50276, "   " is 50275, "    " is 50274.
    expect(tokenizer.encode('Hello  World')).toEqual([vocab['Hello'], 50276, vocab['World']]);
    expect(tokenizer.encode('a   b')).toEqual([vocab['a'], 50275, vocab['b']]);
    expect(tokenizer.encode(' '.repeat(26))).toEqual([50254, 50276]);
  });

  // Expected ids below were produced by HF tokenizers 0.23.2 (Tokenizer.from_file on the same JSON).
  it.each([
    ['<|endoftext|>x<|padding|>', [0, 89, 1]],
    ['    def f():\n\treturn 1\n\n', [50274, 1545, 269, 14850, 187, 186, 2309, 337, 535]],
    ['é以😀', [860, 16877, 14931, 235, 211]],
    ['ﬁ e\u0301', [46992, 212, 3974]],
    ["I'll've 'D it's", [42, 1833, 1849, 686, 37, 352, 434]],
    ['  <|endoftext|>  ', [50276, 0, 50276]],
    ['e\u0301<|endoftext|>\u0301', [860, 0, 136, 212]],
    ['hello\r\n\r\nworld   ', [25521, 4888, 187, 10186, 50275]],
    ['a'.repeat(30), [49642, 49642, 49642, 23342, 5781]],
    ['a\ufeffb', [66, 41497, 67]],
    ['x \u00a0y', [89, 209, 575, 90]],
  ])('matches HF tokenizers on %j', (text, ids) => {
    expect(tokenizer.encode(text)).toEqual(ids);
  });

  it('decodes special and added tokens as their text', () => {
    expect(tokenizer.decode([50276, 0, 1, 50253])).toBe('  <|endoftext|><|padding|> Outcomes');
    expect(tokenizer.vocabSize).toBe(50277);
  });

  it('round-trips NFC text of many scripts', () => {
    const text = 'Ça va? 😀👍🏽 Ελληνικά, العربية, हिन्दी\n\n\t  日本語のテキスト  \r\n<|endoftext|>  end';
    expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
    expect(tokenizer.decode(tokenizer.encode('cafe\u0301'))).toBe('café');
  });

  it('is fast to build and to run (measured, not asserted)', () => {
    const text = 'The quick brown fox jumps over the lazy dog. 今天是美好的一天。 Ελληνικά 😀\n'.repeat(2000);
    const bytes = new TextEncoder().encode(text).length;
    const encodeStarted = performance.now();
    const ids = tokenizer.encode(text);
    const encodeMs = performance.now() - encodeStarted;
    console.log(
      `Pile 20B tokenizer: construction ${constructionMs.toFixed(1)} ms; encode ` +
        `${((bytes / encodeMs) * 1e-3).toFixed(1)} MB/s (${ids.length} tokens from ${bytes} bytes)`,
    );
    expect(tokenizer.decode(ids)).toBe(text);
  });
});
