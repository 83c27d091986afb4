/**
 * Checks a GBNF grammar for what XGrammar would compile wrongly rather than refuse: a character class holding a
 * character beyond ASCII (`[é-ü]`, `[a字]`, `[^\u00e9]`) — XGrammar cuts such characters down to one byte (U+5B57
 * becomes 0x57), which admits the wrong characters and invalid UTF-8. Such a class is refused with a GrammarError
 * naming it; non-ASCII text belongs in string literals (`"é" | "ü"`), which work. Everything else (syntax, undefined
 * rules, the root rule) is left to XGrammar. The scan skips comments and string literals.
 */
import { GrammarError } from '../errors.js';

export function checkGbnf(grammar: string): void {
  for (let at = 0; at < grammar.length; at++) {
    const char = grammar[at];
    if (char === '#') at = endOfLine(grammar, at);
    else if (char === '"') at = endOfLiteral(grammar, at);
    else if (char === '[') at = checkClass(grammar, at);
  }
}

function endOfLine(text: string, at: number): number {
  const end = text.indexOf('\n', at);
  return end === -1 ? text.length : end;
}

function endOfLiteral(text: string, at: number): number {
  for (let i = at + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return text.length;
}

/** Reads the class opened at `open`; returns the index of its `]`. */
function checkClass(text: string, open: number): number {
  let at = open + 1;
  if (text[at] === '^') at++;
  while (at < text.length && text[at] !== ']') {
    const char = readClassChar(text, at);
    if (char.code > 0x7f) {
      const close = text.indexOf(']', char.next);
      const found = text.slice(open, close === -1 ? text.length : close + 1);
      throw new GrammarError(
        `GBNF: the character class ${found} holds ${JSON.stringify(text.slice(char.start, char.next))}, beyond ASCII, ` +
          'which is not supported in a class; write such characters as alternatives of string literals ("é" | "ü")',
      );
    }
    at = char.next;
  }
  return at;
}

/** One character of a class at `at` (an escape, or a code point): its code and where the next one starts. */
function readClassChar(text: string, at: number): { code: number; start: number; next: number } {
  if (text[at] !== '\\') {
    const code = text.codePointAt(at) ?? 0;
    return { code, start: at, next: at + (code > 0xffff ? 2 : 1) };
  }
  const kind = text[at + 1];
  const digits = kind === 'x' ? 2 : kind === 'u' ? 4 : kind === 'U' ? 8 : 0;
  if (digits === 0) return { code: text.charCodeAt(at + 1), start: at, next: at + 2 };
  const code = Number.parseInt(text.slice(at + 2, at + 2 + digits), 16);
  return { code: Number.isNaN(code) ? 0 : code, start: at, next: at + 2 + digits };
}
