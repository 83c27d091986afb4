/**
 * Splits text around a set of literal tokens, leftmost-longest like HF tokenizers' added-vocabulary matcher: the
 * earliest occurrence of any token wins, and of the tokens starting there, the longest.
 */

/** A piece of text: either a matched token (with its id) or plain text between tokens. */
export type Segment = { text: string; id?: undefined } | { text: string; id: number };

export class TokenSplitter {
  private readonly pattern: RegExp | undefined;
  private readonly idOf: ReadonlyMap<string, number>;

  constructor(tokens: ReadonlyMap<string, number>) {
    this.idOf = tokens;
    const contents = [...tokens.keys()].filter((content) => content !== '');
    contents.sort((a, b) => b.length - a.length);
    this.pattern = contents.length === 0 ? undefined : new RegExp(contents.map(escapeRegExp).join('|'), 'g');
  }

  split(text: string): Segment[] {
    if (!this.pattern) return text === '' ? [] : [{ text }];
    const segments: Segment[] = [];
    let last = 0;
    for (const match of text.matchAll(this.pattern)) {
      if (match.index > last) segments.push({ text: text.slice(last, match.index) });
      segments.push({ text: match[0], id: this.idOf.get(match[0])! });
      last = match.index + match[0].length;
    }
    if (last < text.length) segments.push({ text: text.slice(last) });
    return segments;
  }
}

function escapeRegExp(literal: string): string {
  return literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
