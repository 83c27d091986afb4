/** Validation of token ids handed to a tokenizer's decoder. */
import { TokenizerMismatchError } from '../errors.js';
import type { Tokenizer } from './tokenizer.js';

/** Throws TokenizerMismatchError unless `id` is an integer in 0 .. vocabSize − 1. */
export function assertTokenId(tokenizer: Pick<Tokenizer, 'kind' | 'vocabSize'>, id: number): void {
  if (!Number.isInteger(id) || id < 0 || id >= tokenizer.vocabSize) {
    throw new TokenizerMismatchError(
      `Token id ${id} is outside the ${tokenizer.kind} tokenizer's vocabulary (0..${tokenizer.vocabSize - 1}): ` +
        'the model and the tokenizer do not belong together.',
    );
  }
}
