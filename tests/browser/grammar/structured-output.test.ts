/**
 * Structured output in headless Chromium: the engine in its module Web Worker (XGrammar's WebAssembly loads there)
 * generating JSON that validates (ajv) for every schema of tests/grammar/schemas.ts on a seeded synthetic byte-level
 * model, GrammarError keeping its class across the worker boundary; and on the page, the constraint itself over the
 * synthetic multi-byte World-format vocabulary (65,536 ids) for every schema.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createEngine } from '../../../src/engine/engine.js';
import type { Engine } from '../../../src/engine/engine.js';
import { GrammarError } from '../../../src/errors.js';
import { collect, modelBytes, tinyModel } from '../../engine/helpers.js';
import {
  hasWhitespaceOutsideStrings,
  sampleConstrained,
  schemaValidator,
  syntheticWorldTokenizer,
} from '../../grammar/helpers.js';
import { TEST_SCHEMAS } from '../../grammar/schemas.js';

const validate = schemaValidator();

describe('structured output in a Web Worker (CPU backend, synthetic byte-level model)', () => {
  let engine: Engine;

  beforeAll(async () => {
    engine = await createEngine({ model: modelBytes(tinyModel('7', 21)), backend: 'cpu' });
  });
  afterAll(() => engine.dispose());

  test('every schema: the output parses and validates', async () => {
    const session = await engine.createSession();
    for (const [name, schema] of Object.entries(TEST_SCHEMAS)) {
      await session.prefill(`${name}: `);
      const tokens = await collect(
        session.generate({ responseFormat: { type: 'json_schema', schema }, seed: 5, maxTokens: 3000 }),
      );
      const text = tokens.map((token) => token.text).join('');
      expect(session.lastStats?.finishReason, `${name}: ${text}`).toBe('stop');
      expect(validate(schema, JSON.parse(text)), `${name}: ${text}`).toBeUndefined();
    }
    await session.dispose();
  });

  test('a bad grammar is refused with GrammarError across the worker boundary', async () => {
    const session = await engine.createSession();
    await session.prefill('x');
    const refused = collect(session.generate({ grammar: 'root ::= greeting' }));
    await expect(refused).rejects.toBeInstanceOf(GrammarError);
    await expect(collect(session.generate({ grammar: 'root ::= greeting' }))).rejects.toThrow(
      /Rule "greeting" is not defined/,
    );
    const keyword = collect(
      session.generate({ responseFormat: { type: 'json_schema', schema: { type: 'string', format: 'email' } } }),
    );
    await expect(keyword).rejects.toThrow(/"format" is not supported/);
    await session.dispose();
  });
});

test('on the page: every schema over the synthetic multi-byte vocabulary', async () => {
  const tokenizer = syntheticWorldTokenizer();
  for (const [index, [name, schema]] of Object.entries(TEST_SCHEMAS).entries()) {
    const run = await sampleConstrained({ responseFormat: { type: 'json_schema', schema } }, tokenizer, index);
    expect(run.complete, `${name}: ${run.text}`).toBe(true);
    expect(validate(schema, JSON.parse(run.text)), `${name}: ${run.text}`).toBeUndefined();
    expect(hasWhitespaceOutsideStrings(run.text), run.text).toBe(false);
  }
});
