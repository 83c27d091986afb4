/**
 * Byte-pair encoding of one pre-tokenized word over integer symbols (token ids), as HF tokenizers does it: start
 * from the word's initial symbols and keep applying the merge of lowest rank (leftmost first among equal ranks)
 * until no adjacent pair has a merge. Merges live in an open-addressing table keyed by the id pair; a binary heap
 * of candidate merges over a linked list of symbols keeps long words O(n log n).
 */

/** One merge: the adjacent symbols `left`, `right` become `merged`. Its rank is its index in the list. */
export interface MergeRule {
  left: number;
  right: number;
  merged: number;
}

const DEAD = -1;

export class BytePairEncoder {
  private readonly pairs: PairTable;
  private readonly heap = new CandidateHeap();
  /** Scratch linked list of symbols, reused (and grown) across words. */
  private symbols = new Int32Array(64);
  private next = new Int32Array(64);
  private previous = new Int32Array(64);

  /** Later rules for the same pair replace earlier ones, as in HF tokenizers. */
  constructor(rules: readonly MergeRule[]) {
    this.pairs = new PairTable(rules.length);
    rules.forEach((rule, rank) => this.pairs.set(rule.left, rule.right, rank, rule.merged));
  }

  /** The final symbols of the word whose initial symbols are initial[0 .. length). */
  encode(initial: ArrayLike<number>, length = initial.length): number[] {
    if (length <= 1) return length === 1 ? [initial[0]] : [];
    this.reserve(length);
    const { symbols, next, previous, heap } = this;
    for (let i = 0; i < length; i++) {
      symbols[i] = initial[i];
      next[i] = i + 1 < length ? i + 1 : DEAD;
      previous[i] = i - 1;
    }
    for (let i = 0; i + 1 < length; i++) this.consider(i);
    while (heap.size > 0) {
      const rank = heap.firstRank();
      const left = heap.popLeft();
      const right = next[left];
      // Stale when the left symbol was absorbed, lost its right neighbour, or either side has changed since.
      if (symbols[left] === DEAD || right === DEAD) continue;
      const slot = this.pairs.find(symbols[left], symbols[right]);
      if (slot < 0 || this.pairs.rank(slot) !== rank) continue;
      symbols[left] = this.pairs.merged(slot);
      symbols[right] = DEAD;
      next[left] = next[right];
      if (next[left] !== DEAD) previous[next[left]] = left;
      if (previous[left] >= 0) this.consider(previous[left]);
      this.consider(left);
    }
    const result: number[] = [];
    for (let i = 0; i !== DEAD; i = next[i]) result.push(symbols[i]);
    return result;
  }

  /** Queues the merge of the symbol at `left` with its right neighbour, if there is one. */
  private consider(left: number): void {
    const right = this.next[left];
    if (right === DEAD) return;
    const slot = this.pairs.find(this.symbols[left], this.symbols[right]);
    if (slot >= 0) this.heap.push(this.pairs.rank(slot), left);
  }

  private reserve(length: number): void {
    if (length <= this.symbols.length) return;
    const capacity = 2 ** Math.ceil(Math.log2(length));
    this.symbols = new Int32Array(capacity);
    this.next = new Int32Array(capacity);
    this.previous = new Int32Array(capacity);
  }
}

/** (left, right) → (rank, merged) with linear probing over typed arrays. */
class PairTable {
  private readonly lefts: Int32Array;
  private readonly rights: Int32Array;
  private readonly ranks: Int32Array;
  private readonly mergedIds: Int32Array;
  private readonly shift: number;
  private readonly mask: number;

  constructor(capacity: number) {
    const bits = Math.max(4, Math.ceil(Math.log2(capacity * 2 + 1)));
    this.lefts = new Int32Array(1 << bits).fill(DEAD);
    this.rights = new Int32Array(1 << bits);
    this.ranks = new Int32Array(1 << bits);
    this.mergedIds = new Int32Array(1 << bits);
    this.shift = 32 - bits;
    this.mask = (1 << bits) - 1;
  }

  set(left: number, right: number, rank: number, merged: number): void {
    let slot = this.home(left, right);
    while (this.lefts[slot] !== DEAD && (this.lefts[slot] !== left || this.rights[slot] !== right)) {
      slot = (slot + 1) & this.mask;
    }
    this.lefts[slot] = left;
    this.rights[slot] = right;
    this.ranks[slot] = rank;
    this.mergedIds[slot] = merged;
  }

  /** The slot holding the pair, or −1. */
  find(left: number, right: number): number {
    for (let slot = this.home(left, right); ; slot = (slot + 1) & this.mask) {
      if (this.lefts[slot] === DEAD) return -1;
      if (this.lefts[slot] === left && this.rights[slot] === right) return slot;
    }
  }

  rank(slot: number): number {
    return this.ranks[slot];
  }

  merged(slot: number): number {
    return this.mergedIds[slot];
  }

  private home(left: number, right: number): number {
    return (Math.imul(left, 0x9e3779b1) ^ Math.imul(right + 0x7f4a7c15, 0x85ebca6b)) >>> this.shift;
  }
}

/** A min-heap of candidate merges ordered by rank, then by position, in two parallel arrays. */
class CandidateHeap {
  private readonly ranks: number[] = [];
  private readonly lefts: number[] = [];

  get size(): number {
    return this.ranks.length;
  }

  push(rank: number, left: number): void {
    let at = this.ranks.length;
    this.ranks.push(rank);
    this.lefts.push(left);
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!this.before(at, parent)) break;
      this.swap(at, parent);
      at = parent;
    }
  }

  /** Rank of the first candidate (the heap must not be empty). */
  firstRank(): number {
    return this.ranks[0];
  }

  /** Removes the first candidate and returns its position. */
  popLeft(): number {
    const left = this.lefts[0];
    const lastRank = this.ranks.pop()!;
    const lastLeft = this.lefts.pop()!;
    const size = this.ranks.length;
    if (size === 0) return left;
    this.ranks[0] = lastRank;
    this.lefts[0] = lastLeft;
    for (let at = 0; ;) {
      const child = 2 * at + 1;
      let first = at;
      if (child < size && this.before(child, first)) first = child;
      if (child + 1 < size && this.before(child + 1, first)) first = child + 1;
      if (first === at) break;
      this.swap(at, first);
      at = first;
    }
    return left;
  }

  private before(a: number, b: number): boolean {
    return this.ranks[a] < this.ranks[b] || (this.ranks[a] === this.ranks[b] && this.lefts[a] < this.lefts[b]);
  }

  private swap(a: number, b: number): void {
    [this.ranks[a], this.ranks[b]] = [this.ranks[b], this.ranks[a]];
    [this.lefts[a], this.lefts[b]] = [this.lefts[b], this.lefts[a]];
  }
}
