/**
 * Resolves the CLI's `--tokenizer auto|bytes|world|pile20b` and `--vocab FILE` flags to a Tokenizer. `auto` picks
 * the tokenizer from the model's vocabulary size (256 → bytes, 65536 → world, 50277/50304 → pile20b).
 */
import { readFile } from 'node:fs/promises';
import { defaultTokenizerKind } from '../model/spec.js';
import type { TokenizerKind } from '../model/spec.js';
import { createTokenizer } from '../tokenizer/index.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { UsageError } from './args.js';
import { assertReadable } from './model-file.js';

export const TOKENIZER_CHOICES = ['auto', 'bytes', 'world', 'pile20b'] as const;

export async function resolveTokenizer(
  choice: string,
  vocabPath: string | undefined,
  nVocab: number | undefined,
): Promise<Tokenizer> {
  const kind: TokenizerKind | undefined =
    choice === 'auto' ? (nVocab === undefined ? undefined : defaultTokenizerKind(nVocab)) : (choice as TokenizerKind);
  if (kind === undefined) {
    throw new UsageError(`cannot pick a tokenizer for a ${nVocab}-token vocabulary: pass --tokenizer and --vocab`);
  }
  if (kind === 'bytes') return createTokenizer('bytes');
  if (vocabPath === undefined) throw new UsageError(`the ${kind} tokenizer needs --vocab FILE`);
  await assertReadable(vocabPath, 'tokenizer file');
  return createTokenizer(kind, await readFile(vocabPath, 'utf8'));
}
