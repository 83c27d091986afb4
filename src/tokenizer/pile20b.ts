/**
 * The Pile 20B tokenizer of the RWKV-4 Pile models, read from HF tokenizers' JSON (20B_tokenizer.json): BPE with
 * NFC normalization and GPT-2's byte-level pre-tokenizer and decoder. Encoding follows HF's pipeline: added tokens
 * with `normalized: false` are cut out of the raw text, the rest is NFC-normalized, added tokens with
 * `normalized: true` are cut out of that, and each remaining piece is split by GPT-2's pattern and byte-pair
 * encoded. Decoding writes special tokens as their text (HF's skip_special_tokens = false).
 */
import { ModelFormatError } from '../errors.js';
import type { TokenizerKind } from '../model/spec.js';
import { TokenSplitter } from './added-tokens.js';
import { BytePairEncoder, type MergeRule } from './bpe.js';
import { ByteStringTokenizer } from './byte-string-tokenizer.js';
import { BYTE_TO_CHAR, MAX_TOKEN_BYTES_PER_CODE_UNIT, pretokenize, writeTokenBytes } from './byte-level.js';
import { TokenBytes } from './token-bytes.js';
import { utf8EncodeInto } from './utf8.js';

const PIECE_CACHE_LIMIT = 10_000;

export class Pile20bTokenizer extends ByteStringTokenizer {
  readonly kind: TokenizerKind = 'pile20b';
  readonly vocabSize: number;
  /** Token id of each byte's byte-level character (−1 for bytes that never occur in UTF-8). */
  private readonly byteIds: Int32Array;
  private readonly bpe: BytePairEncoder;
  private readonly rawTokens: TokenSplitter;
  private readonly normalizedTokens: TokenSplitter;
  private readonly normalize: (text: string) => string;
  private readonly tokenBytes: TokenBytes;
  /** Scratch for a piece's UTF-8 and then its initial symbols. */
  private pieceBytes = new Uint8Array(256);
  private pieceSymbols = new Int32Array(256);
  /** Ids of recently seen pre-tokenized pieces. */
  private readonly pieceCache = new Map<string, number[]>();

  constructor(json: string) {
    super();
    const config = parseConfig(json);
    this.byteIds = Int32Array.from(BYTE_TO_CHAR, (char) => config.vocab.get(char) ?? -1);
    this.bpe = new BytePairEncoder(config.merges);
    this.normalize = config.nfc ? (text) => text.normalize('NFC') : (text) => text;
    const raw = new Map<string, number>();
    const normalized = new Map<string, number>();
    for (const token of config.addedTokens) (token.normalized ? normalized : raw).set(token.content, token.id);
    this.rawTokens = new TokenSplitter(raw);
    this.normalizedTokens = new TokenSplitter(normalized);

    const textOfId: (string | undefined)[] = [];
    for (const [token, id] of config.vocab) textOfId[id] = token;
    for (const token of config.addedTokens) textOfId[token.id] = token.content;
    this.vocabSize = textOfId.length;
    this.tokenBytes = tokenBytesOf(textOfId);
  }

  encode(text: string): number[] {
    const ids: number[] = [];
    for (const rawSegment of this.rawTokens.split(text)) {
      if (rawSegment.id !== undefined) {
        ids.push(rawSegment.id);
        continue;
      }
      for (const segment of this.normalizedTokens.split(this.normalize(rawSegment.text))) {
        if (segment.id !== undefined) ids.push(segment.id);
        else this.encodePlain(segment.text, ids);
      }
    }
    return ids;
  }

  protected joinTokenBytes(ids: ArrayLike<number>): Uint8Array {
    return this.tokenBytes.concat(ids);
  }

  private encodePlain(text: string, ids: number[]): void {
    for (const piece of pretokenize(text)) {
      let pieceIds = this.pieceCache.get(piece);
      if (pieceIds === undefined) {
        pieceIds = this.encodePiece(piece);
        if (this.pieceCache.size >= PIECE_CACHE_LIMIT) this.pieceCache.clear();
        this.pieceCache.set(piece, pieceIds);
      }
      for (const id of pieceIds) ids.push(id);
    }
  }

  /** Byte-pair encodes one pre-tokenized piece, starting from the ids of its bytes' byte-level characters. */
  private encodePiece(piece: string): number[] {
    const capacity = piece.length * 3; // UTF-8 takes at most 3 bytes per UTF-16 code unit
    if (this.pieceBytes.length < capacity) {
      this.pieceBytes = new Uint8Array(capacity);
      this.pieceSymbols = new Int32Array(capacity);
    }
    const length = utf8EncodeInto(piece, this.pieceBytes);
    for (let i = 0; i < length; i++) this.pieceSymbols[i] = this.byteIds[this.pieceBytes[i]];
    return this.bpe.encode(this.pieceSymbols, length);
  }
}

/** Every token's bytes in one pool (unused ids get none). */
function tokenBytesOf(textOfId: (string | undefined)[]): TokenBytes {
  let codeUnits = 0;
  for (const token of textOfId) codeUnits += token?.length ?? 0;
  const pool = new Uint8Array(codeUnits * MAX_TOKEN_BYTES_PER_CODE_UNIT);
  const starts = new Uint32Array(textOfId.length);
  const lengths = new Uint32Array(textOfId.length);
  let used = 0;
  textOfId.forEach((token, id) => {
    if (token === undefined) return;
    starts[id] = used;
    lengths[id] = writeTokenBytes(token, pool, used);
    used += lengths[id];
  });
  return new TokenBytes(pool.slice(0, used), starts, lengths);
}

interface AddedToken {
  id: number;
  content: string;
  normalized: boolean;
}

interface Pile20bConfig {
  vocab: ReadonlyMap<string, number>;
  merges: MergeRule[];
  addedTokens: AddedToken[];
  nfc: boolean;
}

/** Reads and checks the parts of the HF JSON this tokenizer implements; anything else is rejected. */
function parseConfig(json: string): Pile20bConfig {
  let root: unknown;
  try {
    root = JSON.parse(json);
  } catch (error) {
    throw new ModelFormatError(`Pile 20B tokenizer: not valid JSON (${(error as Error).message})`, { cause: error });
  }
  const model = field(root, 'model');
  expectType(model, 'BPE', 'model');
  expectType(field(root, 'pre_tokenizer'), 'ByteLevel', 'pre_tokenizer');
  expectType(field(root, 'decoder'), 'ByteLevel', 'decoder');
  const preTokenizer = field(root, 'pre_tokenizer') as Record<string, unknown>;
  if (preTokenizer.add_prefix_space === true || preTokenizer.use_regex === false) {
    throw formatError('the ByteLevel pre-tokenizer must have add_prefix_space false and use its regex');
  }
  const normalizer = field(root, 'normalizer');
  if (normalizer !== null) expectType(normalizer, 'NFC', 'normalizer');

  const vocab = new Map<string, number>();
  const tokenOfId = new Map<number, string>();
  const vocabObject = objectField(model, 'vocab');
  for (const token in vocabObject) {
    const id = vocabObject[token];
    if (!Number.isInteger(id) || (id as number) < 0) throw formatError(`vocab id of ${JSON.stringify(token)}`);
    // Two tokens with one id: decoding that id could give either, so text would not come back as written.
    const other = tokenOfId.get(id as number);
    if (other !== undefined) {
      throw formatError(`vocab id ${id} is given to both ${JSON.stringify(other)} and ${JSON.stringify(token)}`);
    }
    tokenOfId.set(id as number, token);
    vocab.set(token, id as number);
  }
  BYTE_TO_CHAR.forEach((char, byte) => {
    if (canOccurInUtf8(byte) && !vocab.has(char)) {
      throw formatError(`vocab has no token for byte 0x${byte.toString(16)}`);
    }
  });

  const rawMerges = field(model, 'merges');
  if (!Array.isArray(rawMerges)) throw formatError('model.merges must be an array');
  const merges = rawMerges.map((merge: unknown, rank): MergeRule => {
    const [left, right] = mergePair(merge, rank);
    const ids = [vocab.get(left), vocab.get(right), vocab.get(left + right)];
    if (ids.includes(undefined)) throw formatError(`merge ${rank} (${left} ${right}) uses a token not in the vocab`);
    return { left: ids[0]!, right: ids[1]!, merged: ids[2]! };
  });

  const added = field(root, 'added_tokens');
  if (!Array.isArray(added)) throw formatError('added_tokens must be an array');
  const addedTokens = added.map((entry: unknown): AddedToken => {
    if (typeof entry !== 'object' || entry === null) throw formatError(`added token ${JSON.stringify(entry)}`);
    const { id, content, special, normalized, lstrip, rstrip, single_word } = entry as Record<string, unknown>;
    if (!Number.isInteger(id) || (id as number) < 0 || typeof content !== 'string' || content === '') {
      throw formatError(`added token ${JSON.stringify(entry)}`);
    }
    if (lstrip === true || rstrip === true || single_word === true) {
      throw formatError(`added token ${JSON.stringify(content)} uses lstrip/rstrip/single_word (unsupported)`);
    }
    return { id: id as number, content, normalized: typeof normalized === 'boolean' ? normalized : special !== true };
  });
  // Ids index the token tables, sized by the largest: an id far beyond the tokens defined (gaps are allowed, a few)
  // would size them by itself — 4 billion entries for one line of JSON.
  const tokenCount = vocab.size + addedTokens.length;
  const idLimit = 2 * tokenCount + 1024;
  const far = [...vocab.values(), ...addedTokens.map((token) => token.id)].find((id) => id >= idLimit);
  if (far !== undefined) {
    throw formatError(
      `id ${far} is far beyond the ${tokenCount} tokens the file defines (ids must stay below ${idLimit})`,
    );
  }
  return { vocab, merges, addedTokens, nfc: normalizer !== null };
}

/** A merge written "left right" (HF's older format) or ["left", "right"]. */
function mergePair(merge: unknown, rank: number): [string, string] {
  if (typeof merge === 'string') {
    const space = merge.indexOf(' ');
    if (space > 0 && space < merge.length - 1 && merge.indexOf(' ', space + 1) === -1) {
      return [merge.slice(0, space), merge.slice(space + 1)];
    }
  } else if (Array.isArray(merge) && merge.length === 2 && merge.every((part) => typeof part === 'string' && part)) {
    return [merge[0], merge[1]];
  }
  throw formatError(`merge ${rank} is not a pair: ${JSON.stringify(merge)}`);
}

/** Bytes 0xC0, 0xC1 and 0xF5..0xFF never occur in UTF-8, so a vocabulary may leave them out. */
function canOccurInUtf8(byte: number): boolean {
  return byte !== 0xc0 && byte !== 0xc1 && byte < 0xf5;
}

function field(value: unknown, name: string): unknown {
  if (typeof value !== 'object' || value === null || !(name in value)) throw formatError(`missing "${name}"`);
  return (value as Record<string, unknown>)[name];
}

function objectField(value: unknown, name: string): Record<string, unknown> {
  const result = field(value, name);
  if (typeof result !== 'object' || result === null) throw formatError(`"${name}" must be an object`);
  return result as Record<string, unknown>;
}

function expectType(section: unknown, type: string, name: string): void {
  const actual = typeof section === 'object' && section !== null ? (section as { type?: unknown }).type : section;
  if (actual !== type) throw formatError(`${name} must be ${type}, not ${JSON.stringify(actual)}`);
}

function formatError(message: string): ModelFormatError {
  return new ModelFormatError(`Pile 20B tokenizer: ${message}`);
}
