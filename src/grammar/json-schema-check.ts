/**
 * Checks a JSON Schema before it is compiled: every keyword must be one the grammar engine enforces, so that no
 * part of a schema is silently ignored. An unsupported keyword, a malformed value or a `$ref` that does not resolve
 * is refused with a GrammarError naming it and where it is (a JSON Pointer).
 */
import { GrammarError } from '../errors.js';

const TYPES = new Set(['object', 'array', 'string', 'number', 'integer', 'boolean', 'null']);

/** Keywords with no effect on the output. */
const ANNOTATIONS = new Set(['title', 'description', '$schema', '$id', '$comment', 'default', 'examples']);

type Rule = (value: unknown, at: string, root: object) => void;

const RULES: Record<string, Rule> = {
  type: (value, at) => {
    const names = Array.isArray(value) ? value : [value];
    if (names.length === 0 || names.some((name) => typeof name !== 'string' || !TYPES.has(name))) {
      fail(at, `"type" must be one of ${[...TYPES].join(', ')} (or a non-empty list of them)`);
    }
  },
  properties: (value, at, root) => {
    if (!isObject(value)) fail(at, '"properties" must be an object of schemas');
    for (const [name, schema] of Object.entries(value)) {
      // XGrammar writes property names into its grammar unescaped.
      if ([...name].some((char) => char === '"' || char === '\\' || char < ' ')) {
        fail(at, `the property name ${JSON.stringify(name)} has a quote, backslash or control character (unsupported)`);
      }
      walk(schema, `${at}/properties/${pointer(name)}`, root);
    }
  },
  required: (value, at) => {
    if (!Array.isArray(value) || value.some((name) => typeof name !== 'string')) {
      fail(at, '"required" must be a list of property names');
    }
  },
  additionalProperties: (value, at, root) => {
    if (typeof value !== 'boolean') walk(value, `${at}/additionalProperties`, root);
  },
  items: (value, at, root) => walk(value, `${at}/items`, root),
  enum: (value, at) => {
    if (!Array.isArray(value) || value.length === 0) fail(at, '"enum" must be a non-empty list');
  },
  const: () => undefined,
  minLength: count,
  maxLength: count,
  minItems: count,
  maxItems: count,
  anyOf: (value, at, root) => {
    if (!Array.isArray(value) || value.length === 0) fail(at, '"anyOf" must be a non-empty list of schemas');
    value.forEach((schema, index) => walk(schema, `${at}/anyOf/${index}`, root));
  },
  $defs: definitions('$defs'),
  definitions: definitions('definitions'),
  $ref: (value, at, root) => {
    if (typeof value !== 'string' || resolveReference(value, root) === undefined) {
      fail(at, `"$ref" ${JSON.stringify(value)} does not name a schema under #/$defs or #/definitions`);
    }
  },
};

/** Throws GrammarError unless `schema` (the root of a JSON Schema) uses only supported keywords, correctly. */
export function checkJsonSchema(schema: unknown): void {
  if (!isObject(schema)) throw new GrammarError('A JSON Schema must be an object');
  walk(schema, '#', schema);
}

function walk(schema: unknown, at: string, root: object): void {
  if (!isObject(schema)) fail(at, 'a schema must be an object');
  for (const [keyword, value] of Object.entries(schema)) {
    if (ANNOTATIONS.has(keyword)) continue;
    const rule = RULES[keyword] as Rule | undefined;
    if (rule === undefined) {
      fail(at, `the keyword "${keyword}" is not supported (supported: ${Object.keys(RULES).join(', ')})`);
    }
    rule(value, at, root);
  }
  for (const [low, high] of [
    ['minLength', 'maxLength'],
    ['minItems', 'maxItems'],
  ] as const) {
    const min = schema[low];
    const max = schema[high];
    if (typeof min === 'number' && typeof max === 'number' && min > max) {
      fail(at, `"${low}" ${min} is greater than "${high}" ${max}`);
    }
  }
  if (Array.isArray(schema.required)) {
    const properties = isObject(schema.properties) ? schema.properties : {};
    const missing = (schema.required as string[]).find((name) => !(name in properties));
    if (missing !== undefined) fail(at, `required property "${missing}" is not among "properties"`);
  }
}

function count(value: unknown, at: string): void {
  if (!Number.isSafeInteger(value) || (value as number) < 0) fail(at, `a length bound must be an integer ≥ 0`);
}

function definitions(keyword: string): Rule {
  return (value, at, root) => {
    if (!isObject(value)) fail(at, `"${keyword}" must be an object of schemas`);
    for (const [name, schema] of Object.entries(value)) walk(schema, `${at}/${keyword}/${pointer(name)}`, root);
  };
}

function resolveReference(reference: string, root: object): unknown {
  const match = /^#\/(\$defs|definitions)\/([^/]+)$/.exec(reference);
  if (match === null) return undefined;
  const table = (root as Record<string, unknown>)[match[1]];
  const name = match[2].replaceAll('~1', '/').replaceAll('~0', '~');
  return isObject(table) && Object.hasOwn(table, name) ? table[name] : undefined;
}

function pointer(name: string): string {
  return name.replaceAll('~', '~0').replaceAll('/', '~1');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(at: string, problem: string): never {
  throw new GrammarError(`JSON Schema at ${at}: ${problem}`);
}
