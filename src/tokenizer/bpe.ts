/**
 * Byte-pair encoding of one pre-tokenized word, as HF tokenizers does it: start from single characters and keep
 * applying the merge of lowest rank (leftmost first among equal ranks) until no adjacent pair has a merge. A binary
 * heap of candidate merges over a linked list of symbols keeps long words O(n log n).
 */

interface Candidate {
  rank: number;
  /** Index of the pair's left symbol. */
  left: number;
}

export class BytePairEncoder {
  /** `ranks` maps "left right" (one space between) to the merge's priority, 0 first. */
  constructor(private readonly ranks: ReadonlyMap<string, number>) {}

  /** The word's final symbols. */
  encode(word: string): string[] {
    const symbols = Array.from(word);
    const count = symbols.length;
    const next = Int32Array.from({ length: count }, (_, i) => (i + 1 < count ? i + 1 : -1));
    const previous = Int32Array.from({ length: count }, (_, i) => i - 1);
    const heap = new CandidateHeap();
    const consider = (left: number) => {
      const right = next[left];
      if (right < 0) return;
      const rank = this.ranks.get(`${symbols[left]} ${symbols[right]}`);
      if (rank !== undefined) heap.push({ rank, left });
    };
    for (let i = 0; i + 1 < count; i++) consider(i);
    for (let candidate = heap.pop(); candidate; candidate = heap.pop()) {
      const { left, rank } = candidate;
      const right = next[left];
      // Stale when the left symbol was absorbed, lost its right neighbour, or either side has changed since.
      if (symbols[left] === '' || right < 0) continue;
      if (this.ranks.get(`${symbols[left]} ${symbols[right]}`) !== rank) continue;
      symbols[left] += symbols[right];
      symbols[right] = '';
      next[left] = next[right];
      if (next[left] >= 0) previous[next[left]] = left;
      if (previous[left] >= 0) consider(previous[left]);
      consider(left);
    }
    return symbols.filter((symbol) => symbol !== '');
  }
}

/** A min-heap ordered by rank, then by position. */
class CandidateHeap {
  private readonly items: Candidate[] = [];

  push(item: Candidate): void {
    const items = this.items;
    let at = items.length;
    items.push(item);
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!before(items[at], items[parent])) break;
      [items[at], items[parent]] = [items[parent], items[at]];
      at = parent;
    }
  }

  pop(): Candidate | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    items[0] = last;
    for (let at = 0; ;) {
      const leftChild = 2 * at + 1;
      const rightChild = leftChild + 1;
      let smallest = at;
      if (leftChild < items.length && before(items[leftChild], items[smallest])) smallest = leftChild;
      if (rightChild < items.length && before(items[rightChild], items[smallest])) smallest = rightChild;
      if (smallest === at) break;
      [items[at], items[smallest]] = [items[smallest], items[at]];
      at = smallest;
    }
    return top;
  }
}

function before(a: Candidate, b: Candidate): boolean {
  return a.rank < b.rank || (a.rank === b.rank && a.left < b.left);
}
