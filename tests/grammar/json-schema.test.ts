/**
 * Every constrained output parses as JSON and validates against its schema (ajv), for the 31 schemas of schemas.ts,
 * with the byte-level tokenizer, a synthetic multi-byte World-format vocabulary and (when the fixtures are present)
 * the real World vocabulary — sampling from seeded random logits, since a constraint must hold whatever the model.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { BytesTokenizer } from '../../src/tokenizer/bytes.js';
import type { Tokenizer } from '../../src/tokenizer/tokenizer.js';
import { WorldTokenizer } from '../../src/tokenizer/world.js';
import { describeWithFixtures, fixturePath } from '../fixtures.js';
import { hasWhitespaceOutsideStrings, sampleConstrained, schemaValidator, syntheticWorldTokenizer } from './helpers.js';
import { TEST_SCHEMAS } from './schemas.js';

const validate = schemaValidator();

function checkEverySchema(tokenizer: () => Tokenizer, seedsPerSchema: number): void {
  test('at least 30 schemas', () => expect(Object.keys(TEST_SCHEMAS).length).toBeGreaterThanOrEqual(30));
  Object.entries(TEST_SCHEMAS).forEach(([name, schema], index) => {
    test(name, async () => {
      for (let seed = index; seed < index + 100 * seedsPerSchema; seed += 100) {
        const run = await sampleConstrained({ responseFormat: { type: 'json_schema', schema } }, tokenizer(), seed);
        expect(run.complete, run.text).toBe(true);
        expect(validate(schema, JSON.parse(run.text)), run.text).toBeUndefined();
        expect(hasWhitespaceOutsideStrings(run.text), run.text).toBe(false);
      }
    });
  });
}

describe('JSON Schema output, byte-level tokenizer', () => {
  const bytes = new BytesTokenizer();
  checkEverySchema(() => bytes, 3);
});

describe('JSON Schema output, synthetic multi-byte vocabulary (65,536 ids)', () => {
  const synthetic = syntheticWorldTokenizer();
  checkEverySchema(() => synthetic, 1);
});

describeWithFixtures('JSON Schema output, World vocabulary', () => {
  let world: WorldTokenizer | undefined;
  checkEverySchema(() => {
    world ??= new WorldTokenizer(readFileSync(fixturePath('tokenizers', 'rwkv_vocab_v20230424.txt'), 'utf8'));
    return world;
  }, 1);
});
