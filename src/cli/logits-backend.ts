/**
 * What the `logits` command needs from a backend: the model's vocabulary size, and the logits of every position of
 * a token sequence fed `chunk` tokens at a time from a fresh state.
 */
export interface LogitsBackend {
  readonly nVocab: number;
  /** Returns tokens.length × nVocab logits; row t = logits after tokens 0..t. */
  allLogits(tokens: Uint32Array, chunk: number): Promise<Float32Array>;
  close(): Promise<void>;
}
