/** Checks that a tokenizer belongs to a model, judged by vocabulary sizes. */
import { TokenizerMismatchError } from '../errors.js';
import type { Tokenizer } from './tokenizer.js';

/** Models pad their vocabulary (the head's rows) up to a multiple of this. */
const VOCAB_PADDING = 64;

/**
 * A tokenizer fits a model whose vocabulary holds all its ids and at most the padding above them: nVocab must lie
 * in vocabSize .. vocabSize rounded up to a multiple of 64 (bytes: 256; World: 65536; Pile 20B: 50277..50304).
 */
export function assertTokenizerFits(tokenizer: Pick<Tokenizer, 'kind' | 'vocabSize'>, nVocab: number): void {
  const padded = Math.ceil(tokenizer.vocabSize / VOCAB_PADDING) * VOCAB_PADDING;
  if (nVocab < tokenizer.vocabSize || nVocab > padded) {
    const range = padded === tokenizer.vocabSize ? `${padded}` : `${tokenizer.vocabSize}..${padded}`;
    throw new TokenizerMismatchError(
      `The ${tokenizer.kind} tokenizer (${tokenizer.vocabSize} tokens) does not fit a model with ${nVocab} ` +
        `tokens: it needs a vocabulary of ${range}. Pick the tokenizer that was trained with this model.`,
    );
  }
}
