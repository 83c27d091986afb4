import { describe, expect, it } from 'vitest';
import { StopMatcher } from '../../src/sampling/stop-matcher.js';

interface Outcome {
  released: string;
  stop?: string;
}

/** Feeds the chunks, checking after each push that the text released so far is a prefix of `expected`. */
function run(stops: string[], chunks: string[], expected: Outcome): Outcome {
  const matcher = new StopMatcher(stops);
  let released = '';
  for (const chunk of chunks) {
    const result = matcher.push(chunk);
    released += result.text;
    expect(expected.released.startsWith(released)).toBe(true);
    if (result.stop !== undefined) return { released, stop: result.stop };
  }
  return { released: released + matcher.flush() };
}

/** Every way to cut a list of characters into consecutive non-empty chunks. */
function* allSplits(chars: string[]): Generator<string[]> {
  for (let mask = 0; mask < 2 ** (chars.length - 1); mask++) {
    const chunks: string[] = [];
    let current = chars[0];
    for (let i = 1; i < chars.length; i++) {
      if (mask & (1 << (i - 1))) {
        chunks.push(current);
        current = '';
      }
      current += chars[i];
    }
    chunks.push(current);
    yield chunks;
  }
}

describe('StopMatcher', () => {
  it.each<[string[], string, Outcome]>([
    [['\n\nUser:'], 'Hi!\n\nUser: more', { released: 'Hi!', stop: '\n\nUser:' }],
    [['abc'], 'xyzab', { released: 'xyzab' }],
    [['aab'], 'aaab', { released: 'a', stop: 'aab' }],
    // The stop that ends first wins, even when another began earlier: "bc" ends before "abcd".
    [['abcd', 'bc'], 'xabcdy', { released: 'xa', stop: 'bc' }],
    // Two stops ending at the same place: the longer one, so less text is released.
    [['cd', 'bcd'], 'abcde', { released: 'a', stop: 'bcd' }],
    [['ab', 'abc'], 'zabc', { released: 'z', stop: 'ab' }],
    [['😀!'], 'é😀😀!x', { released: 'é😀', stop: '😀!' }],
    [['STOP', 'TOPS'], 'STOSTOPS', { released: 'STO', stop: 'STOP' }],
    [[], 'free text', { released: 'free text' }],
  ])('stops %j in %j the same way for every cut of the text', (stops, text, expected) => {
    const chars = Array.from(text);
    for (const chunks of allSplits(chars)) expect(run(stops, chunks, expected)).toEqual(expected);
  });

  it('releases text as soon as it can no longer start a stop string', () => {
    const matcher = new StopMatcher(['</s>']);
    expect(matcher.push('Hello <')).toEqual({ text: 'Hello ' });
    expect(matcher.push('/')).toEqual({ text: '' });
    expect(matcher.push('b>')).toEqual({ text: '</b>' });
    expect(matcher.push('</s')).toEqual({ text: '' });
    expect(matcher.push('>tail')).toEqual({ text: '', stop: '</s>' });
    expect(matcher.stop).toBe('</s>');
    expect(matcher.push('more')).toEqual({ text: '', stop: '</s>' });
  });

  it('gives back the held text at flush when no stop came', () => {
    const matcher = new StopMatcher(['###']);
    expect(matcher.push('end ##')).toEqual({ text: 'end ' });
    expect(matcher.flush()).toBe('##');
    expect(matcher.stop).toBeUndefined();
  });

  it('rejects an empty stop string', () => {
    expect(() => new StopMatcher(['ok', ''])).toThrow(RangeError);
  });
});
