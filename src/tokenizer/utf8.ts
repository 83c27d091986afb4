/**
 * UTF-8 helpers shared by the tokenizers: one encoder, a lenient whole-buffer decoder (invalid bytes → U+FFFD,
 * a leading BOM kept as U+FEFF), and a stream decoder over per-token byte strings.
 */
import type { StreamDecoder } from './tokenizer.js';

const encoder = new TextEncoder();

export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Writes the UTF-8 of `text` to the start of `out` (which must be large enough); returns the byte count. */
export function utf8EncodeInto(text: string, out: Uint8Array): number {
  return encoder.encodeInto(text, out).written;
}

export function utf8Decode(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
}

/**
 * Feeds each token's bytes to a streaming WHATWG UTF-8 decoder: an incomplete but still valid sequence is held
 * back until its last byte arrives; U+FFFD appears as soon as a sequence is provably invalid, or at flush.
 */
export function createUtf8StreamDecoder(tokenBytes: (id: number) => Uint8Array): StreamDecoder {
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  return {
    push: (id) => decoder.decode(tokenBytes(id), { stream: true }),
    flush: () => decoder.decode(),
  };
}
