/**
 * Picks and builds the engine's tokenizer: the one the caller named, else the vocabulary the model file carries (a
 * GGUF file's World tokens), else the default for the model's vocabulary size (256 → bytes, 65536 → world,
 * 50277/50304 → pile20b), from its asset file; then checks that it fits the model.
 */
import { TokenizerMismatchError } from '../errors.js';
import { defaultTokenizerKind } from '../model/spec.js';
import type { TokenizerKind } from '../model/spec.js';
import type { EmbeddedVocabulary } from '../formats/tensor-stream.js';
import { assertTokenizerFits, createTokenizer, TOKENIZER_ASSET_FILES, WorldTokenizer } from '../tokenizer/index.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import type { ResolvedInput } from '../protocol/types.js';
import { readText } from './model-source.js';

/** Fails early (before the model downloads) when a named tokenizer lacks its asset file. */
export function assertTokenizerAsset(kind: TokenizerKind | undefined, vocab: ResolvedInput | undefined): void {
  if (kind !== undefined && kind !== 'bytes' && vocab === undefined) {
    throw new TypeError(
      `The ${kind} tokenizer needs its vocabulary: pass \`vocab\` (the URL or bytes of ${TOKENIZER_ASSET_FILES[kind]}).`,
    );
  }
}

export async function loadTokenizer(
  nVocab: number,
  kind: TokenizerKind | undefined,
  vocab: ResolvedInput | undefined,
  embedded?: EmbeddedVocabulary,
): Promise<Tokenizer> {
  if (kind === undefined && vocab === undefined && embedded !== undefined) {
    const tokenizer = WorldTokenizer.fromTokens(embedded.tokens);
    assertTokenizerFits(tokenizer, nVocab);
    return tokenizer;
  }
  const chosen = kind ?? defaultTokenizerKind(nVocab);
  if (chosen === undefined) {
    throw new TokenizerMismatchError(
      `No tokenizer is known for a vocabulary of ${nVocab} tokens: pass \`tokenizer\` and \`vocab\`.`,
    );
  }
  if (kind === undefined && chosen !== 'bytes' && vocab === undefined) {
    // Chosen from the file's vocabulary size, not by the caller: the file asks for a tokenizer that was not given.
    throw new TokenizerMismatchError(
      `This model has a vocabulary of ${nVocab} tokens, that of the ${chosen} tokenizer: pass \`vocab\` (the URL or ` +
        `bytes of ${TOKENIZER_ASSET_FILES[chosen]}).`,
    );
  }
  assertTokenizerAsset(chosen, vocab);
  const tokenizer = createTokenizer(
    chosen,
    vocab === undefined || chosen === 'bytes' ? undefined : await readText(vocab),
  );
  assertTokenizerFits(tokenizer, nVocab);
  return tokenizer;
}
