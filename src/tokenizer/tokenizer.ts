/**
 * The contract every tokenizer implements (bytes, World, Pile 20B), and the streaming decoder that turns generated
 * token ids into text without ever splitting a UTF-8 character.
 */
import type { TokenizerKind } from '../model/spec.js';

/** Turns token ids, fed one at a time, into text chunks that never end inside a UTF-8 character. */
export interface StreamDecoder {
  /** Adds one token; returns the text that became complete (possibly empty). */
  push(id: number): string;
  /** Ends the stream: returns what was held back, with U+FFFD for an unfinished character. */
  flush(): string;
}

export interface Tokenizer {
  readonly kind: TokenizerKind;
  /** Number of token ids the tokenizer knows: ids are 0 .. vocabSize − 1. */
  readonly vocabSize: number;
  encode(text: string): number[];
  /** Text of the ids; bytes that are not valid UTF-8 become U+FFFD. */
  decode(ids: ArrayLike<number>): string;
  /** The exact bytes of the ids, concatenated. */
  decodeBytes(ids: ArrayLike<number>): Uint8Array;
  createStreamDecoder(): StreamDecoder;
}

/** The asset file each tokenizer kind is built from (none for bytes). */
export const TOKENIZER_ASSET_FILES: Readonly<Record<TokenizerKind, string | undefined>> = {
  bytes: undefined,
  world: 'rwkv_vocab_v20230424.txt',
  pile20b: '20B_tokenizer.json',
};
