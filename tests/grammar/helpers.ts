/**
 * Helpers of the structured-output tests (Node and headless Chromium): constrained sampling over seeded random
 * logits (no model — a constraint must hold whatever the weights), a synthetic multi-byte World-format vocabulary
 * that always exists (whole words, JSON punctuation, whole UTF-8 characters and pieces of them, all 256 bytes),
 * and a JSON Schema validator.
 */
import { Ajv } from 'ajv';
import type { GenerateRequest } from '../../src/protocol/types.js';
import { GrammarConstraint } from '../../src/grammar/constraint.js';
import { Prng } from '../../src/sampling/prng.js';
import { Sampler, type SamplerOptions } from '../../src/sampling/sampler.js';
import type { Tokenizer } from '../../src/tokenizer/tokenizer.js';
import { WorldTokenizer } from '../../src/tokenizer/world.js';

export interface ConstrainedRun {
  text: string;
  tokens: number[];
  /** The grammar was complete when sampling stopped (rather than `maxTokens` reached). */
  complete: boolean;
}

/** Samples under the request's constraint from random logits (uniform in [0, spread)) until the grammar is complete. */
export async function sampleConstrained(
  request: GenerateRequest,
  tokenizer: Tokenizer,
  seed: number,
  options: { maxTokens?: number; spread?: number; sampler?: SamplerOptions } = {},
): Promise<ConstrainedRun> {
  const { maxTokens = 3000, spread = 8 } = options;
  const constraint = await GrammarConstraint.fromRequest(request, tokenizer);
  if (constraint === undefined) throw new Error('The request asks for no constraint');
  const sampler = new Sampler({ seed, ...options.sampler }, constraint);
  const random = new Prng(seed + 1);
  const logits = new Float32Array(tokenizer.vocabSize);
  const tokens: number[] = [];
  try {
    while (tokens.length < maxTokens && !constraint.complete) {
      for (let i = 0; i < logits.length; i++) logits[i] = random.nextFloat() * spread;
      const token = sampler.sample(logits);
      await constraint.accept(token);
      tokens.push(token);
    }
    return { text: tokenizer.decode(tokens), tokens, complete: constraint.complete };
  } finally {
    constraint.dispose();
  }
}

const MULTI_BYTE_PIECES = [
  '{"',
  '":',
  '","',
  '"}',
  '},{"',
  '"],"',
  '":"',
  '":[',
  '":{',
  '},"',
  ']}',
  '"]',
  '[{"',
  '}]',
  '""',
  '{}',
  '[]',
  'true',
  'false',
  'null',
  'tru',
  'nu',
  'ull',
  '0.',
  '12',
  '345',
  '-1',
  'e+',
  'E-7',
  '1e',
  '.5',
  'name',
  'age',
  'city',
  'hello',
  ' world',
  'Paris',
  'red',
  'blue',
  'paid',
  'meow',
  'get_weather',
  'celsius',
  '\\"',
  '\\\\',
  '\\n',
  '\\u00',
  'é',
  'ü',
  '中文',
  '字',
  '🙂',
  '€',
  ' "',
  ', ',
  ': ',
  '\n\n',
  '  ',
];

/** Pieces of UTF-8 characters (a lead byte with part of its tail, or a tail alone), as bytes. */
const CHARACTER_PIECES = [
  [0xe4, 0xb8],
  [0xad, 0xe6],
  [0xe6, 0x96],
  [0x87, 0x22],
  [0xf0, 0x9f],
  [0x99, 0x82],
  [0x80, 0x80],
];

/**
 * The text of a World-format vocabulary (`id literal length` lines) of all 256 single bytes and the multi-byte
 * pieces above; as a World tokenizer it is padded to 65,536 ids like the World vocabulary.
 */
export function syntheticWorldVocab(): string {
  const lines: string[] = [];
  const byteLiteral = (bytes: number[]) => `b'${bytes.map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('')}'`;
  for (let byte = 0; byte < 256; byte++) lines.push(`${byte + 1} ${byteLiteral([byte])} 1`);
  const encoder = new TextEncoder();
  const multiByte = [...MULTI_BYTE_PIECES.map((piece) => Array.from(encoder.encode(piece))), ...CHARACTER_PIECES];
  multiByte.forEach((bytes, index) => lines.push(`${257 + index} ${byteLiteral(bytes)} ${bytes.length}`));
  return lines.join('\n') + '\n';
}

export function syntheticWorldTokenizer(): WorldTokenizer {
  return new WorldTokenizer(syntheticWorldVocab());
}

/** Whether JSON text has whitespace outside its strings (compact JSON has none). */
export function hasWhitespaceOutsideStrings(json: string): boolean {
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const char = json[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (/\s/.test(char)) return true;
  }
  return false;
}

/** A JSON Schema validator (ajv): validate(schema, value) → the error text, or undefined when valid. */
export function schemaValidator(): (schema: object, value: unknown) => string | undefined {
  const ajv = new Ajv({ allErrors: true });
  return (schema, value) => {
    const validate = ajv.compile(schema);
    return validate(value) ? undefined : ajv.errorsText(validate.errors);
  };
}
