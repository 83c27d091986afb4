/** The byte-level tokenizer of the tiny models: 256 tokens, token id = one byte of the text's UTF-8 encoding. */
import type { TokenizerKind } from '../model/spec.js';
import { assertTokenId } from './token-id.js';
import type { StreamDecoder, Tokenizer } from './tokenizer.js';
import { createUtf8StreamDecoder, utf8Decode, utf8Encode } from './utf8.js';

export class BytesTokenizer implements Tokenizer {
  readonly kind: TokenizerKind = 'bytes';
  readonly vocabSize = 256;

  encode(text: string): number[] {
    return Array.from(utf8Encode(text));
  }

  decode(ids: ArrayLike<number>): string {
    return utf8Decode(this.decodeBytes(ids));
  }

  decodeBytes(ids: ArrayLike<number>): Uint8Array {
    const bytes = new Uint8Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      assertTokenId(this, ids[i]);
      bytes[i] = ids[i];
    }
    return bytes;
  }

  createStreamDecoder(): StreamDecoder {
    return createUtf8StreamDecoder((id) => this.decodeBytes([id]));
  }
}
