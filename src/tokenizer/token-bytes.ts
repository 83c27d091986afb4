/** The bytes of every token of a vocabulary, back to back in one pool, so decoding allocates only its output. */
export class TokenBytes {
  /** Token id's bytes are pool[starts[id] .. starts[id] + lengths[id]) (length 0: the token has none). */
  constructor(
    readonly pool: Uint8Array,
    readonly starts: Uint32Array,
    readonly lengths: Uint32Array,
  ) {}

  /** The bytes of `ids` (valid ids), concatenated. */
  concat(ids: ArrayLike<number>): Uint8Array {
    let total = 0;
    for (let i = 0; i < ids.length; i++) total += this.lengths[ids[i]];
    const out = new Uint8Array(total);
    let at = 0;
    for (let i = 0; i < ids.length; i++) {
      const start = this.starts[ids[i]];
      const end = start + this.lengths[ids[i]];
      for (let pos = start; pos < end; pos++) out[at++] = this.pool[pos];
    }
    return out;
  }
}
