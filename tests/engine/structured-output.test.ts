/**
 * Structured output through the engine (CPU backend, in this thread) on seeded synthetic models: `responseFormat`
 * and `grammar` on `session.generate`, with the byte-level vocabulary and a 65,536-token World-format one; the
 * finish reasons ('stop' when the grammar is complete, 'length' at maxTokens); every sampling option still applies
 * (over the allowed tokens only); a schema or grammar that cannot be compiled fails the generation with GrammarError
 * before any token, and the session goes on as if it had not been asked.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import type { GenerateOptions } from '../../src/protocol/types.js';
import { GrammarError } from '../../src/errors.js';
import { schemaValidator, syntheticWorldVocab } from '../grammar/helpers.js';
import { TEST_SCHEMAS } from '../grammar/schemas.js';
import { collect, cpuEngine, tinyModel } from './helpers.js';

const validate = schemaValidator();
const ORDER = TEST_SCHEMAS['an order'];

async function generate(engine: Engine, options: GenerateOptions, prompt = 'Answer in JSON: ') {
  const session = await engine.createSession();
  await session.prefill(prompt);
  try {
    const tokens = await collect(session.generate(options));
    return { text: tokens.map((t) => t.text).join(''), tokens, stats: session.lastStats! };
  } finally {
    await session.dispose();
  }
}

describe.each([
  ['byte-level vocabulary', 256],
  ['synthetic World vocabulary (65,536)', 65536],
])('structured output, %s', (_, nVocab) => {
  let engine: Engine;

  beforeAll(async () => {
    const vocab =
      nVocab === 256 ? {} : { tokenizer: 'world' as const, vocab: new TextEncoder().encode(syntheticWorldVocab()) };
    engine = await cpuEngine(tinyModel('7', 5, nVocab), vocab);
  });
  afterAll(() => engine.dispose());

  test('json_object: a JSON object, ended with finishReason stop', async () => {
    const { text, stats } = await generate(engine, {
      responseFormat: { type: 'json_object' },
      seed: 3,
      maxTokens: 2000,
    });
    expect(stats.finishReason).toBe('stop');
    const value: unknown = JSON.parse(text);
    expect(typeof value === 'object' && value !== null && !Array.isArray(value), text).toBe(true);
  });

  test('json_schema: valid under every sampling option', async () => {
    const samplings: GenerateOptions[] = [
      { temperature: 0 },
      { seed: 1, temperature: 1.5, topP: 0.9 },
      { seed: 2, topK: 5, minP: 0.05 },
      { seed: 3, presencePenalty: 1, frequencyPenalty: 0.5, penaltyDecay: 0.9 },
      { seed: 4, logitBias: { 0x22: 5, 0x7a: -Infinity } },
    ];
    // The 65,536-token model decodes far slower on the CPU: two of the options there.
    for (const sampling of nVocab === 256 ? samplings : samplings.slice(3)) {
      const { text, stats } = await generate(engine, {
        ...sampling,
        responseFormat: { type: 'json_schema', schema: ORDER },
        maxTokens: 2000,
      });
      expect(stats.finishReason, text).toBe('stop');
      expect(validate(ORDER, JSON.parse(text)), text).toBeUndefined();
      if (nVocab === 256 && sampling.logitBias !== undefined) expect(text).not.toContain('z');
    }
  });

  test('the same seed gives the same constrained output', async () => {
    const options: GenerateOptions = {
      responseFormat: { type: 'json_schema', schema: ORDER },
      seed: 9,
      maxTokens: 2000,
    };
    expect((await generate(engine, options)).text).toBe((await generate(engine, options)).text);
  });

  test('maxTokens ends an unfinished output with finishReason length', async () => {
    const { tokens, stats } = await generate(engine, {
      responseFormat: { type: 'json_schema', schema: ORDER },
      maxTokens: 3,
    });
    expect(tokens).toHaveLength(3);
    expect(stats.finishReason).toBe('length');
  });

  test('a GBNF grammar', async () => {
    const grammar = 'root ::= "The answer is " ("yes" | "no" | [0-9]{1,3}) "."';
    const { text, stats } = await generate(engine, { grammar, seed: 4 });
    expect(text).toMatch(/^The answer is (yes|no|[0-9]{1,3})\.$/);
    expect(stats.finishReason).toBe('stop');
  });

  test('a bad schema or grammar fails with GrammarError before any token; the session goes on', async () => {
    const session = await engine.createSession();
    await session.prefill('Hello');
    const plain = await engine.createSession();
    await plain.prefill('Hello');
    const bad: GenerateOptions[] = [
      { responseFormat: { type: 'json_schema', schema: { type: 'string', pattern: '^a+$' } } },
      { responseFormat: { type: 'json_schema', schema: { $ref: '#/$defs/missing' } } },
      { grammar: 'root ::= "a" | ' },
      { grammar: 'root ::= undefined-rule' },
      { grammar: 'x ::= "no root"' },
      { grammar: 'root ::= "a"', responseFormat: { type: 'json_object' } },
    ];
    for (const options of bad) {
      const seen: string[] = [];
      await expect(
        (async () => {
          for await (const token of session.generate({ ...options, maxTokens: 5 })) seen.push(token.text);
        })(),
      ).rejects.toBeInstanceOf(GrammarError);
      expect(seen).toEqual([]);
    }
    const after = await collect(session.generate({ temperature: 0, maxTokens: 8 }));
    const reference = await collect(plain.generate({ temperature: 0, maxTokens: 8 }));
    expect(after).toEqual(reference);
    await session.dispose();
    await plain.dispose();
  });
});
