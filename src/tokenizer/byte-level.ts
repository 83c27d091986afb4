/**
 * GPT-2's byte-level scheme, as used by HF tokenizers' ByteLevel pre-tokenizer and decoder: text is split with
 * GPT-2's regular expression, and every byte of a piece's UTF-8 encoding is written as one printable character
 * (printable Latin-1 bytes stand for themselves, the other 68 bytes map to U+0100 onwards in byte order).
 */
import { utf8EncodeInto } from './utf8.js';

/**
 * GPT-2's pre-tokenization pattern. `\s` is spelled \p{White_Space}, which is what Oniguruma's \s means in HF
 * tokenizers (JavaScript's \s would also match U+FEFF).
 */
const GPT2_PIECES =
  /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\p{White_Space}\p{L}\p{N}]+|\p{White_Space}+(?!\P{White_Space})|\p{White_Space}+/gu;

function buildByteToChar(): string[] {
  const table: string[] = new Array(256);
  let extra = 0;
  for (let byte = 0; byte < 256; byte++) {
    const printable = (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || byte >= 0xae;
    table[byte] = String.fromCharCode(printable ? byte : 0x100 + extra++);
  }
  return table;
}

/** The character that stands for each byte. */
export const BYTE_TO_CHAR: readonly string[] = buildByteToChar();

/** Byte of each byte-level character, indexed by char code (−1: not a byte-level character). */
const CHAR_TO_BYTE = new Int16Array(0x144).fill(-1);
BYTE_TO_CHAR.forEach((char, byte) => (CHAR_TO_BYTE[char.charCodeAt(0)] = byte));

/** Splits text into GPT-2 pieces (ordinary text; each piece is byte-pair encoded on its own). */
export function pretokenize(text: string): string[] {
  return text.match(GPT2_PIECES) ?? [];
}

/** Bytes a token can need per UTF-16 code unit of its string, at most (3, for a non-byte-level BMP character). */
export const MAX_TOKEN_BYTES_PER_CODE_UNIT = 3;

/**
 * Writes the bytes a token string stands for to `out` at `offset` and returns their count: its characters read back
 * through the byte map, or — like HF's ByteLevel decoder — the token's own UTF-8 when some character is not a
 * byte-level character (e.g. added tokens of spaces). `out` needs MAX_TOKEN_BYTES_PER_CODE_UNIT bytes per code unit.
 */
export function writeTokenBytes(token: string, out: Uint8Array, offset: number): number {
  for (let i = 0; i < token.length; i++) {
    const code = token.charCodeAt(i);
    const byte = code < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[code] : -1;
    if (byte < 0) return utf8EncodeInto(token, out.subarray(offset));
    out[offset + i] = byte;
  }
  return token.length;
}
