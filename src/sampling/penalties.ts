/**
 * RWKV-style repetition penalties (ChatRWKV's chat and API demos): every generated token t keeps a count c[t];
 * before sampling, logits[t] −= presence + c[t]·frequency for every token that has a count; after a token is
 * sampled, all counts are multiplied by `decay` and then the sampled token's count grows by 1. A token once seen
 * keeps its presence penalty even when its count has decayed towards 0.
 */

export interface PenaltySettings {
  presence: number;
  frequency: number;
  decay: number;
}

export class RepetitionPenalty {
  private readonly counts = new Map<number, number>();

  constructor(private readonly settings: PenaltySettings) {}

  /** Subtracts the penalties from `logits` in place. */
  apply(logits: Float32Array): void {
    const { presence, frequency } = this.settings;
    if (presence === 0 && frequency === 0) return;
    for (const [token, count] of this.counts) logits[token] -= presence + count * frequency;
  }

  /** Records a sampled token: decay every count, then count the token once more. */
  record(token: number): void {
    const { decay } = this.settings;
    if (decay !== 1) for (const [seen, count] of this.counts) this.counts.set(seen, count * decay);
    this.counts.set(token, (this.counts.get(token) ?? 0) + 1);
  }

  /** The current count of a token (0 when never seen). */
  count(token: number): number {
    return this.counts.get(token) ?? 0;
  }
}
