/**
 * What cannot be compiled is refused with GrammarError before anything is generated: unsupported JSON Schema
 * keywords by name (with where they are), malformed keyword values, unresolvable $refs, impossible bounds, GBNF
 * syntax errors, undefined rules, a missing root (with XGrammar's own reason in the message), non-ASCII character
 * classes, grammar together with JSON. After XGrammar has failed on a grammar, the next one still compiles and
 * constrains.
 */
import { describe, expect, test } from 'vitest';
import type { GenerateRequest } from '../../src/protocol/types.js';
import { GrammarError } from '../../src/errors.js';
import { GrammarConstraint } from '../../src/grammar/constraint.js';
import { BytesTokenizer } from '../../src/tokenizer/bytes.js';
import { sampleConstrained } from './helpers.js';

const tokenizer = new BytesTokenizer();

function refusal(request: GenerateRequest): Promise<unknown> {
  return GrammarConstraint.fromRequest(request, tokenizer).then(
    () => {
      throw new Error(`accepted: ${JSON.stringify(request)}`);
    },
    (error: unknown) => error,
  );
}

const schema = (value: object): GenerateRequest => ({ responseFormat: { type: 'json_schema', schema: value } });

describe('JSON Schema refusals', () => {
  const UNSUPPORTED = [
    'pattern',
    'format',
    'minimum',
    'maximum',
    'exclusiveMinimum',
    'exclusiveMaximum',
    'multipleOf',
    'oneOf',
    'allOf',
    'not',
    'if',
    'then',
    'else',
    'uniqueItems',
    'prefixItems',
    'contains',
    'patternProperties',
    'propertyNames',
    'minProperties',
    'maxProperties',
    'dependentRequired',
  ];

  test.each(UNSUPPORTED)('the keyword %s is refused by name, with where it is', async (keyword) => {
    const error = await refusal(
      schema({ type: 'object', properties: { inner: { type: 'string', [keyword]: 1 } }, required: ['inner'] }),
    );
    expect(error).toBeInstanceOf(GrammarError);
    expect((error as Error).message).toContain(`"${keyword}" is not supported`);
    expect((error as Error).message).toContain('#/properties/inner');
  });

  test.each([
    ['an unknown type', { type: 'strng' }, /"type" must be one of/],
    ['a non-object schema', { type: 'object', properties: { a: 'string' } }, /a schema must be an object/],
    ['a $ref that does not resolve', { $ref: '#/$defs/missing' }, /"\$ref" "#\/\$defs\/missing"/],
    ['a $ref outside $defs', { $ref: 'http://example.com/schema' }, /does not name a schema/],
    ['minLength above maxLength', { type: 'string', minLength: 5, maxLength: 2 }, /"minLength" 5 is greater/],
    ['minItems above maxItems', { type: 'array', minItems: 3, maxItems: 1 }, /"minItems" 3 is greater/],
    ['a negative bound', { type: 'string', maxLength: -1 }, /integer ≥ 0/],
    ['a fractional bound', { type: 'array', minItems: 1.5 }, /integer ≥ 0/],
    ['an empty enum', { enum: [] }, /non-empty list/],
    ['an empty anyOf', { anyOf: [] }, /non-empty list of schemas/],
    ['required not in properties', { type: 'object', required: ['ghost'] }, /"ghost" is not among/],
    ['a quote in a property name', { type: 'object', properties: { 'a"b': {} } }, /quote, backslash/],
  ])('%s', async (_, value, message) => {
    const error = await refusal(schema(value));
    expect(error).toBeInstanceOf(GrammarError);
    expect((error as Error).message).toMatch(message);
  });

  test('a schema that is not an object', async () => {
    const error = await refusal({ responseFormat: { type: 'json_schema', schema: 'string' as unknown as object } });
    expect(error).toBeInstanceOf(GrammarError);
  });

  test('an unknown responseFormat type', async () => {
    const error = await refusal({ responseFormat: { type: 'yaml' } as unknown as GenerateRequest['responseFormat'] });
    expect((error as Error).message).toMatch(/Unknown responseFormat type "yaml"/);
  });
});

describe('GBNF refusals', () => {
  test.each([
    ['a syntax error', 'root ::= ("a" | "b"', /line 1/],
    ['a dangling alternative', 'root ::= "a" | ', /line 1, column \d+/],
    ['an undefined rule', 'root ::= greeting', /Rule "greeting" is not defined/],
    ['no root rule', 'start ::= "a"', /root rule .*"root" is not found/],
    ['an empty grammar', '   ', /The grammar is empty/],
    ['a bad escape', 'root ::= "\\q"', /escape/i],
  ])("%s: refused with XGrammar's reason", async (_, grammar, reason) => {
    const error = await refusal({ grammar });
    expect(error).toBeInstanceOf(GrammarError);
    expect((error as Error).message).toMatch(reason);
    expect((error as Error).message).not.toContain('Aborted()');
  });

  test.each([
    ['a range', 'root ::= [é-ü]+ "."', '[é-ü]'],
    ['a set', 'root ::= [a字] "."', '[a字]'],
    ['an escape', 'root ::= [^\\u00e9] "."', '[^\\u00e9]'],
  ])('a character class beyond ASCII (%s) is refused, naming it', async (_, grammar, named) => {
    const error = await refusal({ grammar });
    expect(error).toBeInstanceOf(GrammarError);
    expect((error as Error).message).toContain(named);
  });

  test('ASCII in classes, non-ASCII in literals and comments are accepted', async () => {
    const run = await sampleConstrained({ grammar: '# [é-ü] in a comment\nroot ::= "[é-ü]" [a-z]' }, tokenizer, 1);
    expect(run.text).toMatch(/^\[é-ü\][a-z]$/u);
  });

  test('grammar and a JSON responseFormat together', async () => {
    const error = await refusal({ grammar: 'root ::= "a"', responseFormat: { type: 'json_object' } });
    expect((error as Error).message).toMatch(/either a grammar or a JSON responseFormat/);
  });
});

test('after XGrammar failed on a grammar, the next one compiles and constrains', async () => {
  for (let i = 0; i < 5; i++) expect(await refusal({ grammar: 'root ::= undefined' })).toBeInstanceOf(GrammarError);
  const run = await sampleConstrained({ grammar: 'root ::= "ok" [0-9] "."' }, tokenizer, 3);
  expect(run.text).toMatch(/^ok[0-9]\.$/);
});
