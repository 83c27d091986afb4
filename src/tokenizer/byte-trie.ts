/**
 * A trie over byte strings for greedy longest-match tokenization. Nodes are integers (0 = root); the edge
 * (node, byte) → child lives in one open-addressing hash table keyed by node·256 + byte, so building 65k tokens
 * allocates a few typed arrays instead of hundreds of thousands of objects.
 */

const NO_TOKEN = -1;

export interface TrieMatch {
  /** Token id of the longest match. */
  id: number;
  /** Its length in bytes (0 when no token starts here). */
  length: number;
}

export class ByteTrie {
  private readonly tokenOfNode: Int32Array;
  /** Edge keys plus one (0 marks an empty slot). */
  private readonly edgeKeys: Int32Array;
  private readonly edgeChildren: Int32Array;
  private readonly shift: number;
  private readonly mask: number;
  private nodeCount = 1;

  /** `totalBytes` bounds the number of edges: the summed length of every byte string to be inserted. */
  constructor(totalBytes: number) {
    if (totalBytes + 1 > 2 ** 23) throw new RangeError(`A byte trie holds at most 2^23 nodes, not ${totalBytes + 1}`);
    const bits = Math.max(4, Math.ceil(Math.log2((totalBytes + 1) * 2)));
    this.tokenOfNode = new Int32Array(totalBytes + 1).fill(NO_TOKEN);
    this.edgeKeys = new Int32Array(1 << bits);
    this.edgeChildren = new Int32Array(1 << bits);
    this.shift = 32 - bits;
    this.mask = (1 << bits) - 1;
  }

  /** Adds bytes[start .. end); returns false (and changes nothing) when that string is already present. */
  insert(bytes: Uint8Array, start: number, end: number, id: number): boolean {
    let node = 0;
    for (let pos = start; pos < end; pos++) {
      const byte = bytes[pos];
      let child = this.child(node, byte);
      if (child === NO_TOKEN) {
        if (this.nodeCount === this.tokenOfNode.length) throw new RangeError('Byte trie capacity exceeded');
        child = this.nodeCount++;
        this.addEdge(node, byte, child);
      }
      node = child;
    }
    if (this.tokenOfNode[node] !== NO_TOKEN) return false;
    this.tokenOfNode[node] = id;
    return true;
  }

  /** The longest inserted string that starts at `bytes[start]`. */
  longestMatch(bytes: Uint8Array, start: number): TrieMatch {
    let node = 0;
    let id = NO_TOKEN;
    let length = 0;
    for (let pos = start; pos < bytes.length; pos++) {
      node = this.child(node, bytes[pos]);
      if (node === NO_TOKEN) break;
      if (this.tokenOfNode[node] !== NO_TOKEN) {
        id = this.tokenOfNode[node];
        length = pos + 1 - start;
      }
    }
    return { id, length };
  }

  private child(node: number, byte: number): number {
    const key = node * 256 + byte + 1;
    for (let slot = Math.imul(key, 0x9e3779b1) >>> this.shift; ; slot = (slot + 1) & this.mask) {
      const stored = this.edgeKeys[slot];
      if (stored === key) return this.edgeChildren[slot];
      if (stored === 0) return NO_TOKEN;
    }
  }

  private addEdge(node: number, byte: number, child: number): void {
    const key = node * 256 + byte + 1;
    let slot = Math.imul(key, 0x9e3779b1) >>> this.shift;
    while (this.edgeKeys[slot] !== 0) slot = (slot + 1) & this.mask;
    this.edgeKeys[slot] = key;
    this.edgeChildren[slot] = child;
  }
}
