/**
 * The RWKV World tokenizer (rwkv_vocab_v20230424.txt). Each vocabulary line is `id literal byteLength`, the literal
 * a Python str (its UTF-8 bytes) or bytes literal. Encoding is greedy longest match over the text's UTF-8 bytes;
 * decoding concatenates the tokens' bytes. Id 0 (end of text) and the padding ids above the last entry have no
 * bytes. Special-token strings such as <|endoftext|> are plain text here. The same vocabulary also comes as a list of
 * each id's bytes (a GGUF file's `tokenizer.ggml.tokens`, src/formats/gguf/vocabulary.ts): `WorldTokenizer.fromTokens`.
 */
import { ModelFormatError } from '../errors.js';
import type { TokenizerKind } from '../model/spec.js';
import { ByteStringTokenizer } from './byte-string-tokenizer.js';
import { ByteTrie } from './byte-trie.js';
import { MAX_BYTES_PER_CODE_UNIT, parsePythonLiteral } from './python-literal.js';
import { TokenBytes } from './token-bytes.js';
import { utf8Encode } from './utf8.js';

/** Vocabulary size of the World models (ids 1..65529 are tokens; the rest decode to nothing). */
export const WORLD_VOCAB_SIZE = 65536;

export class WorldTokenizer extends ByteStringTokenizer {
  readonly kind: TokenizerKind = 'world';
  readonly vocabSize: number;
  private readonly tokenBytes: TokenBytes;
  private readonly trie: ByteTrie;

  /** `vocab`: the text of rwkv_vocab_v20230424.txt, or every id's bytes already parsed. */
  constructor(vocab: string | TokenBytes, vocabSize = WORLD_VOCAB_SIZE) {
    super();
    this.vocabSize = vocabSize;
    this.tokenBytes = typeof vocab === 'string' ? parseWorldVocab(vocab, vocabSize) : vocab;
    const { pool, starts, lengths } = this.tokenBytes;
    this.trie = new ByteTrie(pool.length);
    for (let id = 0; id < vocabSize; id++) {
      if (lengths[id] === 0) continue;
      if (!this.trie.insert(pool, starts[id], starts[id] + lengths[id], id)) {
        throw new ModelFormatError(`World vocabulary: token ${id} repeats an earlier token`);
      }
    }
    const single = new Uint8Array(1);
    for (let byte = 0; byte < 256; byte++) {
      single[0] = byte;
      if (this.trie.longestMatch(single, 0).length !== 1) {
        throw new ModelFormatError(`World vocabulary: no token for the single byte 0x${byte.toString(16)}`);
      }
    }
  }

  /** From each id's bytes (undefined or empty: an id with none, such as 0 and padding). */
  static fromTokens(tokens: readonly (Uint8Array | undefined)[]): WorldTokenizer {
    const lengths = new Uint32Array(tokens.map((token) => token?.length ?? 0));
    const starts = new Uint32Array(tokens.length);
    const pool = new Uint8Array(lengths.reduce((sum, length) => sum + length, 0));
    let used = 0;
    tokens.forEach((token, id) => {
      starts[id] = used;
      if (token !== undefined) pool.set(token, used);
      used += lengths[id];
    });
    return new WorldTokenizer(new TokenBytes(pool, starts, lengths), tokens.length);
  }

  encode(text: string): number[] {
    const bytes = utf8Encode(text);
    const ids: number[] = [];
    for (let pos = 0; pos < bytes.length;) {
      const match = this.trie.longestMatch(bytes, pos);
      ids.push(match.id);
      pos += match.length;
    }
    return ids;
  }

  protected joinTokenBytes(ids: ArrayLike<number>): Uint8Array {
    return this.tokenBytes.concat(ids);
  }
}

function parseWorldVocab(text: string, vocabSize: number): TokenBytes {
  const scratch = new Uint8Array(text.length * MAX_BYTES_PER_CODE_UNIT);
  const starts = new Uint32Array(vocabSize);
  const lengths = new Uint32Array(vocabSize);
  const seen = new Uint8Array(vocabSize);
  let used = 0;
  let pos = 0;
  for (let lineNumber = 1; pos < text.length; lineNumber++) {
    if (text.charCodeAt(pos) === NEWLINE) {
      pos++;
      continue;
    }
    const id = readDecimal(text, pos);
    if (id.end === pos || text.charCodeAt(id.end) !== SPACE) {
      throw new ModelFormatError(
        `World vocabulary line ${lineNumber}: expected "id literal length", got ${JSON.stringify(lineAt(text, pos))}`,
      );
    }
    if (id.value < 1 || id.value >= vocabSize) {
      throw new ModelFormatError(`World vocabulary line ${lineNumber}: id ${id.value} is outside 1..${vocabSize - 1}`);
    }
    if (seen[id.value]) throw new ModelFormatError(`World vocabulary line ${lineNumber}: id ${id.value} appears twice`);
    seen[id.value] = 1;
    let literal;
    try {
      literal = parsePythonLiteral(text, id.end + 1, scratch, used);
    } catch (error) {
      throw new ModelFormatError(`World vocabulary line ${lineNumber}: ${(error as Error).message}`, { cause: error });
    }
    const declared = readDecimal(text, literal.end + 1);
    pos = declared.end;
    if (text.charCodeAt(pos) === CARRIAGE_RETURN) pos++;
    const atLineEnd = pos === text.length || text.charCodeAt(pos) === NEWLINE;
    if (text.charCodeAt(literal.end) !== SPACE || declared.end === literal.end + 1 || !atLineEnd) {
      throw new ModelFormatError(`World vocabulary line ${lineNumber}: expected " length" after the literal`);
    }
    if (literal.length === 0)
      throw new ModelFormatError(`World vocabulary line ${lineNumber}: token ${id.value} is empty`);
    if (declared.value !== literal.length) {
      throw new ModelFormatError(
        `World vocabulary line ${lineNumber}: token ${id.value} has ${literal.length} bytes but the file says ${declared.value}`,
      );
    }
    starts[id.value] = used;
    lengths[id.value] = literal.length;
    used += literal.length;
    pos++;
  }
  return new TokenBytes(scratch.slice(0, used), starts, lengths);
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const SPACE = 0x20;

/** The decimal number at text[start] (end === start when there is none). */
function readDecimal(text: string, start: number): { value: number; end: number } {
  let value = 0;
  let end = start;
  for (let digit = text.charCodeAt(end) - 0x30; digit >= 0 && digit <= 9; digit = text.charCodeAt(end) - 0x30) {
    value = value * 10 + digit;
    end++;
  }
  return { value, end };
}

function lineAt(text: string, start: number): string {
  const newline = text.indexOf('\n', start);
  return text.slice(start, newline === -1 ? text.length : newline);
}
