/**
 * GBNF grammars (llama.cpp's form) as `grammar`: every construct docs/structured-output.md lists — alternatives,
 * groups, literals with escapes, character classes (ranges, negation, escapes), the repetition operators, comments,
 * rules referring to rules and recursion — generate only text the grammar accepts (checked against an equivalent
 * regular expression, or a parser for the recursive one), with the byte-level tokenizer and the synthetic
 * multi-byte vocabulary.
 */
import { describe, expect, test } from 'vitest';
import { BytesTokenizer } from '../../src/tokenizer/bytes.js';
import { sampleConstrained, syntheticWorldTokenizer } from './helpers.js';

const CASES: [string, string, RegExp][] = [
  ['alternatives and groups', 'root ::= ("yes" | "no" | "maybe") "!"', /^(yes|no|maybe)!$/],
  [
    'several rules',
    'root ::= greeting ", " name "."\ngreeting ::= "Hello" | "Hi"\nname ::= [A-Z] [a-z]{2,5}',
    /^(Hello|Hi), [A-Z][a-z]{2,5}\.$/,
  ],
  ['escapes in literals', 'root ::= "tab\\there" "\\n" "quote\\"" "\\x41\\u00e9" ";"', /^tab\there\nquote"Aé;$/],
  ['ranges and sets', 'root ::= [0-9a-fA-F]{4} "-" [xyz_]{1,3} "."', /^[0-9a-fA-F]{4}-[xyz_]{1,3}\.$/],
  ['negated class', 'root ::= "\\"" [^"\\\\\\n]{0,12} "\\""', /^"[^"\\\n]{0,12}"$/u],
  ['star, plus and optional', 'root ::= "a"* "b"+ "c"? "."', /^a*b+c?\.$/],
  ['bounded repetition', 'root ::= ("ab"){2} [0-9]{1,} "|" [0-9]{2,3} "."', /^(ab){2}[0-9]+\|[0-9]{2,3}\.$/],
  ['comments', '# a comment line\nroot ::= "x" # trailing comment\n  "y" "."', /^xy\.$/],
  ['non-ASCII literals', 'root ::= "中文" ("é" | "ü" | "字" | "\u00e0"){1,4} "🙂"', /^中文[éü字à]{1,4}🙂$/u],
  ['negated class beyond ASCII', 'root ::= "<" [^<>]{1,6} ">"', /^<[^<>]{1,6}>$/u],
];

function balanced(text: string): boolean {
  let depth = 0;
  for (const char of text.slice(0, -1)) {
    depth += char === '(' ? 1 : -1;
    if (depth < 0) return false;
  }
  return depth === 0 && text.endsWith('.');
}

describe.each([
  ['byte-level tokenizer', () => new BytesTokenizer()],
  ['synthetic multi-byte vocabulary', syntheticWorldTokenizer],
])('GBNF, %s', (_, makeTokenizer) => {
  const tokenizer = makeTokenizer();

  test.each(CASES)('%s', async (_name, grammar, accepted) => {
    for (let seed = 0; seed < 5; seed++) {
      const run = await sampleConstrained({ grammar }, tokenizer, seed, { maxTokens: 500 });
      expect(run.complete, run.text).toBe(true);
      expect(run.text).toMatch(accepted);
    }
  });

  test('recursion: balanced parentheses', async () => {
    const grammar = 'root ::= group "."\ngroup ::= ("(" group ")")?';
    for (let seed = 0; seed < 5; seed++) {
      const run = await sampleConstrained({ grammar }, tokenizer, seed, { maxTokens: 500 });
      expect(run.complete && balanced(run.text), run.text).toBe(true);
    }
  });
});
