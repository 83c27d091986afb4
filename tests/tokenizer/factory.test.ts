import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TokenizerMismatchError } from '../../src/errors.js';
import { defaultTokenizerKind } from '../../src/model/spec.js';
import { assertTokenizerFits, createTokenizer, TOKENIZER_ASSET_FILES } from '../../src/tokenizer/index.js';
import { describeWithFixtures, fixturePath } from '../fixtures.js';

describe('createTokenizer (bytes)', () => {
  it('builds the bytes tokenizer without an asset', () => {
    const tokenizer = createTokenizer('bytes');
    expect(tokenizer.kind).toBe('bytes');
    expect(tokenizer.vocabSize).toBe(256);
    expect(createTokenizer('bytes').encode('hé')).toEqual([0x68, 0xc3, 0xa9]);
  });

  it('needs an asset for world and pile20b, and a known kind', () => {
    expect(() => createTokenizer('world')).toThrow(TypeError);
    expect(() => createTokenizer('pile20b')).toThrow('needs the text of its asset file');
    expect(() => createTokenizer('gpt2' as never, '{}')).toThrow('Unknown tokenizer kind');
  });

  it('names the asset file of each kind', () => {
    expect(TOKENIZER_ASSET_FILES).toEqual({
      bytes: undefined,
      world: 'rwkv_vocab_v20230424.txt',
      pile20b: '20B_tokenizer.json',
    });
  });
});

describe('assertTokenizerFits', () => {
  const bytes = { kind: 'bytes', vocabSize: 256 } as const;
  const world = { kind: 'world', vocabSize: 65536 } as const;
  const pile = { kind: 'pile20b', vocabSize: 50277 } as const;

  it('accepts the vocabulary sizes of the real models (and their padding)', () => {
    expect(() => assertTokenizerFits(bytes, 256)).not.toThrow();
    expect(() => assertTokenizerFits(world, 65536)).not.toThrow();
    expect(() => assertTokenizerFits(pile, 50277)).not.toThrow();
    expect(() => assertTokenizerFits(pile, 50304)).not.toThrow();
  });

  it('rejects a tokenizer that belongs to another model', () => {
    expect(() => assertTokenizerFits(bytes, 65536)).toThrow(TokenizerMismatchError);
    expect(() => assertTokenizerFits(bytes, 65536)).toThrow('bytes tokenizer (256 tokens) does not fit');
    expect(() => assertTokenizerFits(world, 256)).toThrow(TokenizerMismatchError);
    expect(() => assertTokenizerFits(world, 50277)).toThrow(TokenizerMismatchError);
    expect(() => assertTokenizerFits(pile, 50276)).toThrow('50277..50304');
    expect(() => assertTokenizerFits(pile, 50305)).toThrow(TokenizerMismatchError);
    expect(() => assertTokenizerFits(pile, 65536)).toThrow(TokenizerMismatchError);
  });

  it('agrees with defaultTokenizerKind of src/model/spec.ts', () => {
    for (const tokenizer of [bytes, world, pile]) {
      for (const nVocab of [256, 50277, 50304, 65536]) {
        const fits = defaultTokenizerKind(nVocab) === tokenizer.kind;
        if (fits) expect(() => assertTokenizerFits(tokenizer, nVocab)).not.toThrow();
        else expect(() => assertTokenizerFits(tokenizer, nVocab)).toThrow(TokenizerMismatchError);
      }
    }
  });
});

describeWithFixtures('createTokenizer with the real assets', () => {
  const asset = (kind: 'world' | 'pile20b') =>
    readFileSync(fixturePath('tokenizers', TOKENIZER_ASSET_FILES[kind]!), 'utf8');

  it('builds World and Pile 20B tokenizers that fit their models', () => {
    const world = createTokenizer('world', asset('world'));
    const pile = createTokenizer('pile20b', asset('pile20b'));
    expect([world.kind, world.vocabSize, pile.kind, pile.vocabSize]).toEqual(['world', 65536, 'pile20b', 50277]);
    expect(() => assertTokenizerFits(world, 65536)).not.toThrow();
    expect(() => assertTokenizerFits(pile, 50304)).not.toThrow();
    expect(createTokenizer('pile20b', asset('pile20b')).encode('Hello World!')).toEqual([12092, 3645, 2]);
  });
});
