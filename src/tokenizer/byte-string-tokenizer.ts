/**
 * What every tokenizer shares whose tokens are byte strings (bytes, World, Pile 20B): decoding checks each id
 * against the vocabulary, then joins the tokens' bytes; text and streamed text are made from those bytes.
 */
import { TokenizerMismatchError } from '../errors.js';
import type { TokenizerKind } from '../model/spec.js';
import type { StreamDecoder, Tokenizer } from './tokenizer.js';
import { createUtf8StreamDecoder, utf8Decode } from './utf8.js';

export abstract class ByteStringTokenizer implements Tokenizer {
  abstract readonly kind: TokenizerKind;
  abstract readonly vocabSize: number;

  abstract encode(text: string): number[];

  /** The bytes of `ids`, concatenated; every id is already checked to be in 0 .. vocabSize − 1. */
  protected abstract joinTokenBytes(ids: ArrayLike<number>): Uint8Array;

  decode(ids: ArrayLike<number>): string {
    return utf8Decode(this.decodeBytes(ids));
  }

  decodeBytes(ids: ArrayLike<number>): Uint8Array {
    for (let i = 0; i < ids.length; i++) this.checkTokenId(ids[i]);
    return this.joinTokenBytes(ids);
  }

  createStreamDecoder(): StreamDecoder {
    return createUtf8StreamDecoder((id) => this.decodeBytes([id]));
  }

  /** Throws TokenizerMismatchError unless `id` is an integer in 0 .. vocabSize − 1. */
  private checkTokenId(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
      throw new TokenizerMismatchError(
        `Token id ${id} is outside the ${this.kind} tokenizer's vocabulary (0..${this.vocabSize - 1}): ` +
          'the model and the tokenizer do not belong together.',
      );
    }
  }
}
