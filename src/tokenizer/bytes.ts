/** The byte-level tokenizer of the tiny models: 256 tokens, token id = one byte of the text's UTF-8 encoding. */
import type { TokenizerKind } from '../model/spec.js';
import { ByteStringTokenizer } from './byte-string-tokenizer.js';
import { utf8Encode } from './utf8.js';

export class BytesTokenizer extends ByteStringTokenizer {
  readonly kind: TokenizerKind = 'bytes';
  readonly vocabSize = 256;

  encode(text: string): number[] {
    return Array.from(utf8Encode(text));
  }

  protected joinTokenBytes(ids: ArrayLike<number>): Uint8Array {
    return Uint8Array.from(ids);
  }
}
