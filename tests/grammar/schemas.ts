/**
 * The JSON Schemas the structured-output tests generate against (Node and headless Chromium): every supported
 * keyword alone and in combination — objects with required and optional properties, nesting, arrays with and
 * without bounds, enum, const, every type, string and array length bounds, anyOf, $ref to $defs (recursion too).
 * Numbers sit inside objects or arrays: a bare number can always take one more digit, so with a vocabulary that
 * has no end-of-text token (byte-level) it never completes.
 */
export const TEST_SCHEMAS: Record<string, object> = {
  'a string': { type: 'string', maxLength: 40 },
  'a short string': { type: 'string', minLength: 2, maxLength: 5 },
  'an exact-length string': { type: 'string', minLength: 3, maxLength: 3 },
  'an integer': { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] },
  'a number': { type: 'object', properties: { x: { type: 'number' } }, required: ['x'] },
  'a boolean': { type: 'boolean' },
  null: { type: 'null' },
  'a string enum': { enum: ['red', 'green', 'blue'] },
  'a mixed enum': { enum: ['yes', 1, false, null, 'a "quoted" word'] },
  'a const string': { const: 'fixed' },
  'a const object': { const: { a: 1, b: [true, null] } },
  'a string or a number': {
    type: 'object',
    properties: { value: { type: ['string', 'number'], maxLength: 10 } },
    required: ['value'],
  },
  'an empty object': { type: 'object', additionalProperties: false },
  'a person': {
    type: 'object',
    properties: { name: { type: 'string', maxLength: 20 }, age: { type: 'integer' } },
    required: ['name', 'age'],
  },
  'optional properties': {
    type: 'object',
    properties: {
      id: { type: 'integer' },
      nickname: { type: 'string', maxLength: 8 },
      verified: { type: 'boolean' },
      score: { type: 'number' },
    },
    required: ['id'],
  },
  'no required properties': {
    type: 'object',
    properties: { a: { type: 'boolean' }, b: { type: 'null' } },
  },
  'a nested object': {
    type: 'object',
    properties: {
      user: {
        type: 'object',
        properties: {
          name: { type: 'string', maxLength: 12 },
          address: {
            type: 'object',
            properties: {
              city: { type: 'string', maxLength: 12 },
              zip: { type: 'string', minLength: 5, maxLength: 5 },
            },
            required: ['city', 'zip'],
          },
        },
        required: ['name', 'address'],
      },
    },
    required: ['user'],
  },
  'an array of integers': { type: 'array', items: { type: 'integer' }, maxItems: 6 },
  'an array with bounds': { type: 'array', items: { type: 'boolean' }, minItems: 2, maxItems: 4 },
  'an exact-size array': { type: 'array', items: { enum: ['x', 'y'] }, minItems: 3, maxItems: 3 },
  'an array of objects': {
    type: 'array',
    items: {
      type: 'object',
      properties: { sku: { type: 'string', maxLength: 6 }, qty: { type: 'integer' } },
      required: ['sku', 'qty'],
    },
    minItems: 1,
    maxItems: 3,
  },
  'an object with arrays': {
    type: 'object',
    properties: {
      tags: { type: 'array', items: { type: 'string', maxLength: 6 }, maxItems: 4 },
      matrix: { type: 'array', items: { type: 'array', items: { type: 'number' }, maxItems: 3 }, maxItems: 3 },
    },
    required: ['tags', 'matrix'],
  },
  'anyOf of types': {
    type: 'array',
    items: { anyOf: [{ type: 'integer' }, { type: 'boolean' }, { type: 'null' }] },
    minItems: 2,
    maxItems: 2,
  },
  'anyOf of objects': {
    anyOf: [
      { type: 'object', properties: { cat: { const: 'meow' } }, required: ['cat'] },
      { type: 'object', properties: { dog: { type: 'integer' } }, required: ['dog'] },
    ],
  },
  'a $ref to $defs': {
    type: 'object',
    properties: { from: { $ref: '#/$defs/point' }, to: { $ref: '#/$defs/point' } },
    required: ['from', 'to'],
    $defs: {
      point: { type: 'object', properties: { x: { type: 'number' }, y: { type: 'number' } }, required: ['x', 'y'] },
    },
  },
  'a recursive $ref': {
    $ref: '#/$defs/node',
    $defs: {
      node: {
        type: 'object',
        properties: {
          value: { type: 'integer' },
          children: { type: 'array', items: { $ref: '#/$defs/node' }, maxItems: 1 },
        },
        required: ['value'],
      },
    },
  },
  'definitions (draft 7)': {
    type: 'array',
    items: { $ref: '#/definitions/color' },
    maxItems: 3,
    definitions: { color: { enum: ['cyan', 'magenta'] } },
  },
  'an order': {
    title: 'Order',
    description: 'annotations are accepted and have no effect',
    type: 'object',
    properties: {
      orderId: { type: 'string', minLength: 4, maxLength: 10 },
      status: { enum: ['new', 'paid', 'shipped'] },
      items: {
        type: 'array',
        items: {
          type: 'object',
          properties: { name: { type: 'string', maxLength: 10 }, price: { type: 'number' } },
          required: ['name', 'price'],
        },
        minItems: 1,
        maxItems: 2,
      },
      gift: { type: 'boolean' },
      note: { anyOf: [{ type: 'string', maxLength: 10 }, { type: 'null' }] },
    },
    required: ['orderId', 'status', 'items'],
  },
  'an event': {
    type: 'object',
    properties: {
      kind: { const: 'event' },
      when: { type: 'object', properties: { day: { type: 'integer' }, month: { type: 'integer' } }, required: ['day'] },
      guests: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 8 }, minItems: 1, maxItems: 2 },
    },
    required: ['kind', 'when', 'guests'],
  },
  'additionalProperties false': {
    type: 'object',
    properties: { only: { type: 'integer' } },
    required: ['only'],
    additionalProperties: false,
  },
  'unusual property names': {
    type: 'object',
    properties: {
      'with space': { type: 'integer' },
      'a/slash': { type: 'boolean' },
      'ünïcödé 中文 🙂': { type: 'null' },
    },
    required: ['with space', 'a/slash', 'ünïcödé 中文 🙂'],
  },
  'a tool call': {
    type: 'object',
    properties: {
      name: { const: 'get_weather' },
      arguments: {
        type: 'object',
        properties: { city: { type: 'string', maxLength: 16 }, unit: { enum: ['celsius', 'fahrenheit'] } },
        required: ['city', 'unit'],
      },
    },
    required: ['name', 'arguments'],
  },
};
