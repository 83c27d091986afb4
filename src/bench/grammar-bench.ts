/**
 * The constrained-decoding part of the benchmark, on the CPU of the machine that runs it (the mask is computed in
 * the engine's thread, not on the GPU): with a 65,536-token World vocabulary — the real one when its file is given,
 * otherwise a seeded synthetic one of the same size (all 256 bytes, then words, numbers, punctuation, JSON pieces and
 * UTF-8 characters, whole and split) — it times building XGrammar's view of the vocabulary, compiling a moderate
 * JSON Schema, and per token the mask (applying it to the logits, then advancing past the sampled token), next to
 * the sampler's own cost per token unconstrained. Logits are seeded random values, as any model's could be.
 */
import { GrammarConstraint } from '../grammar/constraint.js';
import { grammarVocabulary } from '../grammar/vocabulary.js';
import { Prng } from '../sampling/prng.js';
import { Sampler } from '../sampling/sampler.js';
import { WORLD_VOCAB_SIZE, WorldTokenizer } from '../tokenizer/world.js';

export interface GrammarBenchResult {
  vocabulary: 'world' | 'synthetic';
  /** Building XGrammar's vocabulary and our byte masks, once per tokenizer. */
  vocabularyBuildMs: number;
  /** Compiling the schema and creating its matcher the first time (a repeated schema comes from XGrammar's cache). */
  compileMs: number;
  /** Tokens timed. */
  tokens: number;
  /** Mean time per token of the mask: applying it to the logits plus advancing past the sampled token. */
  maskMsPerToken: number;
  /** The slowest token's mask time (a new grammar state computed for the first time). */
  maskMsWorst: number;
  /** The sampler's own mean time per token (logits → token) without a constraint, for scale. */
  samplerMsPerToken: number;
}

/** A moderate schema: nested objects, an array of objects, enums, optional and bounded fields. */
const BENCH_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    customer: {
      type: 'object',
      properties: { name: { type: 'string', maxLength: 40 }, email: { type: 'string' }, vip: { type: 'boolean' } },
      required: ['name', 'email'],
    },
    status: { enum: ['new', 'paid', 'shipped', 'cancelled'] },
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          sku: { type: 'string', maxLength: 12 },
          quantity: { type: 'integer' },
          price: { type: 'number' },
        },
        required: ['sku', 'quantity', 'price'],
      },
      minItems: 1,
      maxItems: 5,
    },
    note: { anyOf: [{ type: 'string', maxLength: 80 }, { type: 'null' }] },
  },
  required: ['id', 'customer', 'status', 'items'],
};

export async function runGrammarBench(worldVocab: string | undefined, tokens = 400): Promise<GrammarBenchResult> {
  const tokenizer = new WorldTokenizer(worldVocab ?? syntheticWorldVocab());
  let start = performance.now();
  await grammarVocabulary(tokenizer);
  const vocabularyBuildMs = performance.now() - start;

  const random = new Prng(1);
  const logits = new Float32Array(WORLD_VOCAB_SIZE);
  const randomLogits = () => {
    for (let i = 0; i < logits.length; i++) logits[i] = random.nextFloat() * 8;
    return logits;
  };

  let compileMs = 0;
  let maskMs = 0;
  let maskMsWorst = 0;
  let timed = 0;
  let compiles = 0;
  while (timed < tokens) {
    start = performance.now();
    const constraint = await GrammarConstraint.fromRequest(
      { responseFormat: { type: 'json_schema', schema: BENCH_SCHEMA } },
      tokenizer,
    );
    if (compiles++ === 0) compileMs = performance.now() - start;
    if (constraint === undefined) throw new Error('The bench schema gave no constraint');
    const sampler = new Sampler({ seed: compiles });
    try {
      while (timed < tokens && !constraint.complete) {
        const adjusted = sampler.adjustLogits(randomLogits());
        start = performance.now();
        constraint.apply(adjusted);
        const applyMs = performance.now() - start;
        const token = sampler.sample(adjusted);
        start = performance.now();
        await constraint.accept(token);
        const stepMs = applyMs + performance.now() - start;
        maskMs += stepMs;
        maskMsWorst = Math.max(maskMsWorst, stepMs);
        timed++;
      }
    } finally {
      constraint.dispose();
    }
  }

  const sampler = new Sampler({ seed: 1 });
  const samplerRuns = 100;
  let samplerMs = 0;
  for (let i = 0; i < samplerRuns; i++) {
    const input = randomLogits();
    start = performance.now();
    sampler.sample(input);
    samplerMs += performance.now() - start;
  }
  return {
    vocabulary: worldVocab === undefined ? 'synthetic' : 'world',
    vocabularyBuildMs,
    compileMs,
    tokens: timed,
    maskMsPerToken: maskMs / timed,
    maskMsWorst,
    samplerMsPerToken: samplerMs / samplerRuns,
  };
}

const PIECES = ['{"', '":', '","', '"}', '},{"', '":"', '":[', '[{"', '}]', 'true', 'false', 'null', '\\"', '\\n'];
const LETTERS = 'etaoinshrdlucmfwypvbgkjqxz';
const PUNCTUATION = ' .,;:!?-_()[]{}"\'/\\@#$%&*+=<>|~`';
const CHARACTERS = ['é', 'ü', 'ß', 'ñ', 'ç', 'ø', 'δ', 'Ж', 'я', '中', '文', '字', '日', '本', '한', '€', '→', '🙂'];

/**
 * A seeded World-format vocabulary of 65,529 tokens: the 256 single bytes, the JSON pieces, then words (with and
 * without a leading space, capitalized or not), numbers, punctuation runs and non-ASCII characters, whole and cut.
 */
function syntheticWorldVocab(): string {
  const random = new Prng(65536);
  const pick = (count: number) => Math.floor(random.nextFloat() * count);
  const encoder = new TextEncoder();
  const seen = new Set<string>();
  const lines: string[] = [];
  const add = (bytes: Uint8Array) => {
    const key = bytes.join(',');
    if (seen.has(key)) return;
    seen.add(key);
    const literal = Array.from(bytes, (byte) => `\\x${byte.toString(16).padStart(2, '0')}`).join('');
    lines.push(`${lines.length + 1} b'${literal}' ${bytes.length}`);
  };
  for (let byte = 0; byte < 256; byte++) add(Uint8Array.of(byte));
  for (const piece of PIECES) add(encoder.encode(piece));
  while (lines.length < WORLD_VOCAB_SIZE - 7) {
    const kind = pick(10);
    let text = '';
    if (kind < 6) {
      const length = 2 + pick(8);
      for (let i = 0; i < length; i++) text += LETTERS[Math.min(pick(LETTERS.length), pick(LETTERS.length))];
      if (pick(2) === 0) text = text[0].toUpperCase() + text.slice(1);
      if (pick(2) === 0) text = ` ${text}`;
    } else if (kind === 6) {
      text = String(pick(10 ** (1 + pick(4))));
    } else if (kind === 7) {
      for (let i = 1 + pick(3); i > 0; i--) text += PUNCTUATION[pick(PUNCTUATION.length)];
    } else {
      for (let i = 1 + pick(3); i > 0; i--) text += CHARACTERS[pick(CHARACTERS.length)];
    }
    const bytes = encoder.encode(text);
    add(kind === 9 && bytes.length > 2 ? bytes.subarray(0, bytes.length - 1) : bytes);
  }
  return lines.join('\n') + '\n';
}
