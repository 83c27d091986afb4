/**
 * The World vocabulary a GGUF file carries (`tokenizer.ggml.model` = "rwkv"; convert_hf_to_gguf.py's
 * `_set_vocab_rwkv_world`): `tokenizer.ggml.tokens` lists every id's token as the text of its Python bytes literal
 * without the quotes — printable ASCII as is, `\\`, `\'`, `\t`, `\n`, `\r` and `\xNN` for every other byte — id 0
 * is `<s>` (a control token) and ids past the vocabulary file are `[PADn]` entries of type UNUSED. Control and
 * unused ids get no bytes, as in the vocabulary file, so a GGUF model needs no separate vocabulary.
 */
import { ModelFormatError } from '../../errors.js';
import type { GgufValue } from './format.js';

/** tokenizer.ggml.token_type values that carry no text (llama.cpp's llama_token_type). */
const CONTROL = 3;
const UNUSED = 5;

const ESCAPES: Readonly<Record<string, number>> = { '\\': 0x5c, "'": 0x27, '"': 0x22, n: 0x0a, t: 0x09, r: 0x0d };

/** The bytes of one token's escaped text. */
export function unescapeToken(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7e || code < 0x20) {
      throw new ModelFormatError(`GGUF token ${JSON.stringify(text)}: character U+${code.toString(16)} is not escaped`);
    }
    if (code !== 0x5c) {
      out[length++] = code;
      continue;
    }
    const escape = text[++i];
    if (escape === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      out[length++] = parseInt(text.slice(i + 1, i + 3), 16);
      i += 2;
    } else if (escape !== undefined && Object.hasOwn(ESCAPES, escape)) {
      out[length++] = ESCAPES[escape];
    } else {
      throw new ModelFormatError(`GGUF token ${JSON.stringify(text)}: unknown escape at position ${i - 1}`);
    }
  }
  return out.slice(0, length);
}

function arrayValues(value: GgufValue | undefined): readonly GgufValue[] | undefined {
  return typeof value === 'object' && value !== null ? value.values : undefined;
}

/**
 * Every id's bytes when the file holds an RWKV World vocabulary; undefined when it holds none or another kind (the
 * caller then names the tokenizer).
 */
export function worldVocabulary(metadata: ReadonlyMap<string, GgufValue>): (Uint8Array | undefined)[] | undefined {
  if (metadata.get('tokenizer.ggml.model') !== 'rwkv') return undefined;
  const tokens = arrayValues(metadata.get('tokenizer.ggml.tokens'));
  if (tokens === undefined || tokens.some((token) => typeof token !== 'string')) {
    throw new ModelFormatError('GGUF: tokenizer.ggml.tokens must be an array of strings');
  }
  const types = arrayValues(metadata.get('tokenizer.ggml.token_type'));
  if (types !== undefined && types.length !== tokens.length) {
    throw new ModelFormatError(
      `GGUF: tokenizer.ggml.token_type has ${types.length} entries for ${tokens.length} tokens`,
    );
  }
  return tokens.map((token, id) => {
    const type = types?.[id];
    if (id === 0 || type === CONTROL || type === UNUSED) return undefined;
    return unescapeToken(token as string);
  });
}
