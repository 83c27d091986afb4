/**
 * Entry point of the tokenizers: build one from its kind and asset text, or check it against a model.
 */
import type { TokenizerKind } from '../model/spec.js';
import { BytesTokenizer } from './bytes.js';
import { Pile20bTokenizer } from './pile20b.js';
import type { Tokenizer } from './tokenizer.js';
import { WorldTokenizer } from './world.js';

export { assertTokenizerFits } from './fits.js';
export { TOKENIZER_ASSET_FILES } from './tokenizer.js';
export type { StreamDecoder, Tokenizer } from './tokenizer.js';
export { BytesTokenizer, Pile20bTokenizer, WorldTokenizer };

/**
 * A tokenizer of the given kind. `asset` is the text of its file (TOKENIZER_ASSET_FILES): the World vocabulary or
 * the Pile 20B JSON; bytes needs none.
 */
export function createTokenizer(kind: TokenizerKind, asset?: string): Tokenizer {
  if (kind === 'bytes') return new BytesTokenizer();
  if (asset === undefined) throw new TypeError(`The ${kind} tokenizer needs the text of its asset file`);
  if (kind === 'world') return new WorldTokenizer(asset);
  if (kind === 'pile20b') return new Pile20bTokenizer(asset);
  throw new TypeError(`Unknown tokenizer kind ${JSON.stringify(kind)} (expected bytes, world or pile20b)`);
}
