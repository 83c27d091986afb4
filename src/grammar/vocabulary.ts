/**
 * A tokenizer's vocabulary as XGrammar sees it. XGrammar takes tokens as strings; RWKV tokens are raw byte strings
 * (many World tokens are pieces of a UTF-8 character), so each byte is spelled with the printable character GPT-2's
 * byte-level BPE assigns to it and XGrammar is told the vocabulary is "byte_level": it maps them back to the exact
 * bytes. Alongside, the masks of token-byte-masks.ts. Tokens with no bytes (World's 0) are special; id 0 is the end-of-text token of the World and Pile 20B
 * vocabularies, allowed only where the grammar may end. Built once per tokenizer (about 0.7 s for 65,536 tokens).
 */
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { TokenByteMasks } from './token-byte-masks.js';
import { loadXGrammar } from './xgrammar.js';
import type { GrammarCompiler } from '@mlc-ai/web-xgrammar';

export interface GrammarVocabulary {
  tokenizer: Tokenizer;
  compiler: GrammarCompiler;
  /** Masks that depend on the tokens' bytes alone (valid UTF-8, no control bytes). */
  byteMasks: TokenByteMasks;
  vocabSize: number;
  /** Tokens that end the text; allowed only where the grammar is complete. */
  endTokens: number[];
}

const vocabularies = new WeakMap<Tokenizer, Promise<GrammarVocabulary>>();

export function grammarVocabulary(tokenizer: Tokenizer): Promise<GrammarVocabulary> {
  let vocabulary = vocabularies.get(tokenizer);
  if (vocabulary === undefined) {
    vocabulary = buildVocabulary(tokenizer);
    vocabularies.set(tokenizer, vocabulary);
  }
  return vocabulary;
}

async function buildVocabulary(tokenizer: Tokenizer): Promise<GrammarVocabulary> {
  const xgrammar = await loadXGrammar();
  const spelling = byteLevelAlphabet();
  const encoded: string[] = [];
  const one = [0];
  for (let id = 0; id < tokenizer.vocabSize; id++) {
    one[0] = id;
    let text = '';
    for (const byte of tokenizer.decodeBytes(one)) text += spelling[byte];
    encoded.push(text);
  }
  const endTokens = tokenizer.kind === 'bytes' ? [] : [0];
  const info = await xgrammar.TokenizerInfo.createTokenizerInfo(
    encoded,
    'byte_level',
    false,
    tokenizer.vocabSize,
    endTokens,
  );
  const compiler = await xgrammar.GrammarCompiler.createGrammarCompiler(info, true);
  return { tokenizer, compiler, byteMasks: new TokenByteMasks(tokenizer), vocabSize: tokenizer.vocabSize, endTokens };
}

/** GPT-2's bytes_to_unicode: printable bytes stand for themselves, the others for U+0100 onwards, in order. */
function byteLevelAlphabet(): string[] {
  const alphabet = new Array<string>(256);
  let next = 256;
  for (let byte = 0; byte < 256; byte++) {
    const printable = (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || byte >= 0xae;
    alphabet[byte] = String.fromCodePoint(printable ? byte : next++);
  }
  return alphabet;
}
