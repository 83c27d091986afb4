/**
 * Constrained decoding: which tokens may come next so that the output stays inside a grammar. Compiles the request's
 * `responseFormat` or `grammar` with XGrammar against the tokenizer's vocabulary, then, step by step, holds the
 * bitmask of allowed tokens (bit id%32 of word id/32), intersected with the tokens that keep the bytes valid UTF-8
 * and, for JSON, free of control bytes (token-byte-masks.ts), applies it to the logits (the rest become −Infinity)
 * and advances with each sampled token. The grammar is complete when no token may follow, or when an end-of-text
 * token was taken where the grammar may end.
 *
 * JSON is generated compact (separators "," and ":" with no whitespace), so whitespace is bounded by construction,
 * and its numbers are kept finite (json-number-bounds.ts).
 */
import type { GenerateRequest, ResponseFormat } from '../protocol/types.js';
import { GrammarError } from '../errors.js';
import type { TokenMask } from '../sampling/sampler.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { checkJsonSchema } from './json-schema-check.js';
import { checkGbnf } from './gbnf-check.js';
import { JsonNumberBounds } from './json-number-bounds.js';
import { advanceUtf8, UTF8_BOUNDARY } from './token-byte-masks.js';
import { grammarVocabulary, type GrammarVocabulary } from './vocabulary.js';
import { loadXGrammar, withXGrammarReason } from './xgrammar.js';
import type { CompiledGrammar, GrammarCompiler, GrammarMatcher } from '@mlc-ai/web-xgrammar';

const COMPACT: [string, string] = [',', ':'];
/** XGrammar's way of saying "no indentation" (its std::optional<int> is empty). */
const NO_INDENT = -1;

export class GrammarConstraint implements TokenMask {
  private bitmask: Int32Array;
  private utf8State = UTF8_BOUNDARY;
  /** JSON output only: keeps numbers finite. */
  private readonly numberBounds: JsonNumberBounds | undefined;
  private disposed = false;

  private constructor(
    private readonly compiled: CompiledGrammar,
    private readonly matcher: GrammarMatcher,
    private readonly vocabulary: GrammarVocabulary,
    /** Tokens allowed whatever the grammar state (all, or those without control bytes for JSON). */
    private readonly alwaysMask: Int32Array,
    first: Int32Array,
    json: boolean,
  ) {
    this.bitmask = first;
    this.numberBounds = json ? new JsonNumberBounds() : undefined;
  }

  /**
   * The constraint a request asks for, or undefined for plain text. Throws GrammarError, before anything is
   * generated, when the schema or grammar cannot be compiled or admits no output at all.
   */
  static async fromRequest(request: GenerateRequest, tokenizer: Tokenizer): Promise<GrammarConstraint | undefined> {
    const { responseFormat = { type: 'text' }, grammar } = request;
    if (grammar !== undefined && responseFormat.type !== 'text') {
      throw new GrammarError(`Give either a grammar or a JSON responseFormat, not both (${responseFormat.type})`);
    }
    if (grammar === undefined && responseFormat.type === 'text') return undefined;
    checkSource(responseFormat, grammar);
    const vocabulary = await grammarVocabulary(tokenizer);
    const compiled = await compile(vocabulary.compiler, responseFormat, grammar);
    const { GrammarMatcher } = await loadXGrammar();
    const matcher = await GrammarMatcher.createGrammarMatcher(compiled);
    const { byteMasks } = vocabulary;
    const json = grammar === undefined;
    const alwaysMask = json ? byteMasks.noControlBytes : byteMasks.all;
    const first = await matcher.getNextTokenBitmask();
    const constraint = new GrammarConstraint(compiled, matcher, vocabulary, alwaysMask, first, json);
    if (constraint.complete) {
      constraint.dispose();
      throw new GrammarError('The grammar admits no output at all: no token can start it');
    }
    return constraint;
  }

  /** True when nothing more may follow: no token is allowed but (perhaps) an end-of-text token. */
  get complete(): boolean {
    if (this.matcher.isTerminated()) return true;
    const words = this.bitmask;
    const ends = this.vocabulary.endTokens;
    for (let word = 0; word < words.length; word++) {
      let bits = words[word];
      for (const id of ends) if (id >>> 5 === word) bits &= ~(1 << (id & 31));
      if (bits !== 0) return false;
    }
    return true;
  }

  /** Sets the logit of every token the grammar does not allow next to −Infinity (ids beyond the vocabulary too). */
  apply(logits: Float32Array): void {
    const words = this.bitmask;
    const utf8 = this.vocabulary.byteMasks.utf8From(this.utf8State);
    const always = this.alwaysMask;
    const covered = Math.min(logits.length, this.vocabulary.vocabSize);
    for (let word = 0; word * 32 < covered; word++) {
      const bits = words[word] & utf8[word] & always[word];
      if (bits === -1 && word * 32 + 32 <= covered) continue;
      const end = Math.min(word * 32 + 32, covered);
      if (bits === 0) {
        logits.fill(-Infinity, word * 32, end);
        continue;
      }
      for (let id = word * 32; id < end; id++) if (((bits >>> (id & 31)) & 1) === 0) logits[id] = -Infinity;
    }
    logits.fill(-Infinity, covered);
    const bounds = this.numberBounds;
    if (bounds === undefined) return;
    const { withDigits, digitTokenBytes } = this.vocabulary.byteMasks;
    for (let i = 0; i < withDigits.length; i++) {
      const id = withDigits[i];
      if (id < covered && logits[id] !== -Infinity && !bounds.fits(digitTokenBytes[i])) logits[id] = -Infinity;
    }
  }

  /** Advances past a sampled token (one the mask allowed) and computes the mask of the next step. */
  async accept(token: number): Promise<void> {
    if (!this.matcher.acceptToken(token)) {
      throw new GrammarError(`Token ${token} does not continue the grammar (was the mask applied?)`);
    }
    const bytes = this.vocabulary.tokenizer.decodeBytes([token]);
    this.utf8State = advanceUtf8(this.utf8State, bytes);
    this.numberBounds?.advance(bytes);
    this.bitmask = await this.matcher.getNextTokenBitmask();
  }

  /** Frees the WebAssembly objects; the constraint is unusable afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.matcher.dispose();
    this.compiled.dispose();
  }
}

/** Refuses, before anything is built, what our checks can tell will not compile or would compile wrongly. */
function checkSource(responseFormat: ResponseFormat, grammar: string | undefined): void {
  if (grammar !== undefined) {
    if (typeof grammar !== 'string' || grammar.trim() === '') throw new GrammarError('The grammar is empty');
    checkGbnf(grammar);
  } else if (responseFormat.type === 'json_schema') {
    checkJsonSchema(responseFormat.schema);
  } else if (responseFormat.type !== 'json_object') {
    throw new GrammarError(`Unknown responseFormat type ${JSON.stringify((responseFormat as { type: unknown }).type)}`);
  }
}

async function compile(
  compiler: GrammarCompiler,
  responseFormat: ResponseFormat,
  grammar: string | undefined,
): Promise<CompiledGrammar> {
  let what: string;
  let run: () => Promise<CompiledGrammar>;
  if (grammar !== undefined) {
    what = 'The GBNF grammar';
    run = () => compiler.compileGrammar(grammar, 'root');
  } else if (responseFormat.type === 'json_object') {
    what = 'The JSON object grammar';
    run = () => compiler.compileJSONSchema('{"type":"object"}', false, NO_INDENT, COMPACT, false);
  } else if (responseFormat.type === 'json_schema') {
    const text = JSON.stringify(responseFormat.schema);
    what = 'The JSON Schema';
    run = () => compiler.compileJSONSchema(text, false, NO_INDENT, COMPACT, true);
  } else {
    throw new GrammarError(`No grammar for responseFormat ${responseFormat.type}`);
  }
  try {
    return await withXGrammarReason(run);
  } catch (error) {
    throw new GrammarError(`${what} could not be compiled: ${(error as Error).message}`, { cause: error });
  }
}
