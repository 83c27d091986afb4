import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BytesTokenizer } from '../../src/tokenizer/bytes.js';
import { Pile20bTokenizer } from '../../src/tokenizer/pile20b.js';
import type { Tokenizer } from '../../src/tokenizer/tokenizer.js';
import { WorldTokenizer } from '../../src/tokenizer/world.js';
import { describeWithFixtures, fixturePath } from '../fixtures.js';

function streamChunks(tokenizer: Tokenizer, ids: number[]): string[] {
  const decoder = tokenizer.createStreamDecoder();
  return [...ids.map((id) => decoder.push(id)), decoder.flush()];
}

/** Whole characters only: no lone surrogate and no replacement character. */
function isWholeCharacters(text: string): boolean {
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|\ufffd/.test(text);
}

describe('stream decoder (bytes tokenizer)', () => {
  const tokenizer = new BytesTokenizer();

  it('holds back the bytes of "é以😀" until each character is complete', () => {
    // é = C3 A9, 以 = E4 BB A5, 😀 = F0 9F 98 80: one byte per token.
    expect(streamChunks(tokenizer, tokenizer.encode('é以😀'))).toEqual(['', 'é', '', '', '以', '', '', '', '😀', '']);
  });

  it('emits U+FFFD as soon as a sequence is provably invalid', () => {
    expect(streamChunks(tokenizer, [0xe4, 0x41])).toEqual(['', '\ufffdA', '']);
    expect(streamChunks(tokenizer, [0x80, 0xc0, 0x41])).toEqual(['\ufffd', '\ufffd', 'A', '']);
    // ED A0 would start a surrogate: invalid at the second byte, which is then invalid on its own.
    expect(streamChunks(tokenizer, [0xed, 0xa0])).toEqual(['', '\ufffd\ufffd', '']);
  });

  it('emits U+FFFD for an unfinished character only at flush', () => {
    expect(streamChunks(tokenizer, [0x41, 0xf0, 0x9f])).toEqual(['A', '', '', '\ufffd']);
  });

  it('keeps a leading byte order mark', () => {
    expect(streamChunks(tokenizer, [0xef, 0xbb, 0xbf, 0x41]).join('')).toBe('\ufeffA');
    expect(tokenizer.decode([0xef, 0xbb, 0xbf])).toBe('\ufeff');
  });

  it('never splits a character, for any text cut into bytes', () => {
    const text = 'aé以😀👍🏽Ω\n';
    const chunks = streamChunks(tokenizer, tokenizer.encode(text));
    expect(chunks.every(isWholeCharacters)).toBe(true);
    expect(chunks.join('')).toBe(text);
  });
});

describeWithFixtures('stream decoder (World and Pile 20B)', () => {
  it('joins multi-token characters of the Pile 20B tokenizer', () => {
    const pile = new Pile20bTokenizer(readFileSync(fixturePath('tokenizers', '20B_tokenizer.json'), 'utf8'));
    // HF ids of "é以😀": 😀 (F0 9F 98 80) is split over tokens 14931 (F0 9F), 235 (98) and 211 (80).
    expect(streamChunks(pile, [860, 16877, 14931, 235, 211])).toEqual(['é', '以', '', '', '😀', '']);
  });

  it('emits whole characters only, for the World tokenizer fed byte tokens', () => {
    const world = new WorldTokenizer(readFileSync(fixturePath('tokenizers', 'rwkv_vocab_v20230424.txt'), 'utf8'));
    const byteTokens = Array.from(new TextEncoder().encode('é以😀'), (byte) => byte + 1);
    expect(streamChunks(world, byteTokens)).toEqual(['', 'é', '', '', '以', '', '', '', '😀', '']);
    const ids = world.encode('Ελληνικά 以下は、😀👍🏽 text');
    const chunks = streamChunks(world, ids);
    expect(chunks.every(isWholeCharacters)).toBe(true);
    expect(chunks.join('')).toBe(world.decode(ids));
  });
});
