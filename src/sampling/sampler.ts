/**
 * Picks the next token from a model's logits. Per step: logits + logitBias, minus the repetition penalties
 * (penalties.ts), then the token mask of constrained output (tokens it disallows → −Infinity); temperature 0 → argmax; otherwise the filtered, tempered distribution of distribution.ts, drawn
 * from with a seeded xoshiro128** generator. The chosen token is then recorded for the penalties. Same seed, same
 * options and same logits → same tokens. Greedy and top-k (k ≤ MAX_CANDIDATES) sampling without bias, penalties or
 * mask need only the row's top candidates (`candidatesNeeded`); `sampleCandidates` then draws the token the whole row
 * would give (same seed, same token).
 */
import { argmax, candidateDistribution, samplingDistribution, type Candidates } from './distribution.js';
import { RepetitionPenalty } from './penalties.js';
import { Prng } from './prng.js';
import { MAX_CANDIDATES, type TopCandidates } from './top-candidates.js';

export interface SamplerOptions {
  /** ≥ 0; 0 picks the most likely token. Default 1. */
  temperature?: number;
  /** Nucleus size in [0, 1]; 1 (default) disables it. */
  topP?: number;
  /** Keep the k most likely tokens; 0 (default) disables it. */
  topK?: number;
  /** Keep tokens with p ≥ minP·max(p), minP in [0, 1]; 0 (default) disables it. */
  minP?: number;
  /** Subtracted once from the logit of every token generated so far. Default 0. */
  presencePenalty?: number;
  /** Subtracted per (decayed) occurrence of a generated token. Default 0. */
  frequencyPenalty?: number;
  /** Factor in [0, 1] applied to every occurrence count after each step; 1 (default) never forgets. */
  penaltyDecay?: number;
  /** Added to the logits of the given token ids; −Infinity bans a token. */
  logitBias?: Record<number, number>;
  /** Integer in 0 .. 2^53 − 1; a random one when absent. */
  seed?: number;
}

export type ResolvedSamplerOptions = Required<Omit<SamplerOptions, 'logitBias'>> & {
  logitBias: ReadonlyMap<number, number>;
};

/** Restricts the next token (constrained output, src/grammar/): sets the logits of disallowed tokens to −Infinity. */
export interface TokenMask {
  apply(logits: Float32Array): void;
}

export class Sampler {
  readonly options: Readonly<ResolvedSamplerOptions>;
  private readonly prng: Prng;
  private readonly penalty: RepetitionPenalty;

  /** `mask`, when given, is applied at every step in its current state (its owner advances it between steps). */
  constructor(
    options: SamplerOptions = {},
    private readonly mask?: TokenMask,
  ) {
    this.options = resolveSamplerOptions(options);
    this.prng = new Prng(this.options.seed);
    this.penalty = new RepetitionPenalty({
      presence: this.options.presencePenalty,
      frequency: this.options.frequencyPenalty,
      decay: this.options.penaltyDecay,
    });
  }

  /** The logits after bias, penalties and the token mask (a new array; `logits` is left as it was). */
  adjustLogits(logits: Float32Array): Float32Array {
    const adjusted = logits.slice();
    for (const [id, bias] of this.options.logitBias) {
      if (id >= adjusted.length) throw new RangeError(`logitBias names token ${id}, beyond ${adjusted.length} logits`);
      adjusted[id] += bias;
    }
    this.penalty.apply(adjusted);
    this.mask?.apply(adjusted);
    return adjusted;
  }

  /** Chooses the next token and records it for the repetition penalties. */
  sample(logits: Float32Array): number {
    return this.choose(logits, false).token;
  }

  /**
   * How many top candidates of the next row decide this sampler's token (`sampleCandidates`): 1 for greedy, topK
   * for top-k up to MAX_CANDIDATES; 0 when it needs the whole row (logit bias, penalties, a token mask, or sampling
   * not limited to the top MAX_CANDIDATES tokens).
   */
  candidatesNeeded(): number {
    const { temperature, topK, presencePenalty, frequencyPenalty, logitBias } = this.options;
    if (this.mask !== undefined || logitBias.size > 0 || presencePenalty !== 0 || frequencyPenalty !== 0) return 0;
    if (temperature === 0) return 1;
    return topK >= 1 && topK <= MAX_CANDIDATES ? topK : 0;
  }

  /**
   * `sample` of a row from its top candidates (at least `candidatesNeeded()` of them): the same token, the same
   * draw of the generator. Throws RangeError when this sampler needs the whole row.
   */
  sampleCandidates(candidates: TopCandidates): number {
    const needed = this.candidatesNeeded();
    if (needed === 0 || candidates.ids.length < needed) {
      throw new RangeError(`This sampler needs ${needed === 0 ? 'the whole row' : needed} candidates`);
    }
    if (candidates.invalid !== undefined) throw new RangeError(`Logits contain ${candidates.invalid}`);
    if (candidates.logits[0] === -Infinity) throw new RangeError(ALL_BANNED);
    const { temperature, topP, topK, minP } = this.options;
    const token =
      temperature === 0
        ? candidates.ids[0]
        : this.draw(candidateDistribution(candidates, { temperature, topP, topK, minP }));
    this.penalty.record(token);
    return token;
  }

  /**
   * Like `sample`, also returning the distribution the token was drawn from (for log-probabilities): that of
   * distribution.ts over the adjusted logits; at temperature 0, whose argmax ignores the filters, their plain softmax.
   */
  sampleWithDistribution(logits: Float32Array): { token: number; distribution: Candidates } {
    const { token, distribution } = this.choose(logits, true);
    return { token, distribution: distribution! };
  }

  private choose(logits: Float32Array, describe: boolean): { token: number; distribution?: Candidates } {
    const adjusted = this.adjustLogits(logits);
    assertSamplable(adjusted);
    const { temperature, topP, topK, minP } = this.options;
    let token: number;
    let distribution: Candidates | undefined;
    if (temperature === 0) {
      token = argmax(adjusted);
      if (describe) distribution = samplingDistribution(adjusted, { temperature: 1, topP: 1, topK: 0, minP: 0 });
    } else {
      distribution = samplingDistribution(adjusted, { temperature, topP, topK, minP });
      token = this.draw(distribution);
    }
    this.penalty.record(token);
    return { token, distribution };
  }

  private draw({ ids, probabilities }: Candidates): number {
    const target = this.prng.nextFloat();
    let runningSum = 0;
    for (let i = 0; i < ids.length; i++) {
      runningSum += probabilities[i];
      if (target < runningSum) return ids[i];
    }
    return ids[ids.length - 1];
  }
}

/** Fills in defaults and checks every option; throws RangeError naming the bad one. */
export function resolveSamplerOptions(options: SamplerOptions): ResolvedSamplerOptions {
  const {
    temperature = 1,
    topP = 1,
    topK = 0,
    minP = 0,
    presencePenalty = 0,
    frequencyPenalty = 0,
    penaltyDecay = 1,
    logitBias = {},
    seed = randomSeed(),
  } = options;
  check('temperature', temperature, Number.isFinite(temperature) && temperature >= 0, 'a finite number ≥ 0');
  check('topP', topP, topP >= 0 && topP <= 1, 'in [0, 1]');
  check('topK', topK, Number.isSafeInteger(topK) && topK >= 0, 'an integer ≥ 0');
  check('minP', minP, minP >= 0 && minP <= 1, 'in [0, 1]');
  check('presencePenalty', presencePenalty, Number.isFinite(presencePenalty), 'finite');
  check('frequencyPenalty', frequencyPenalty, Number.isFinite(frequencyPenalty), 'finite');
  check('penaltyDecay', penaltyDecay, penaltyDecay >= 0 && penaltyDecay <= 1, 'in [0, 1]');
  check('seed', seed, Number.isSafeInteger(seed) && seed >= 0, 'an integer in 0..2^53 − 1');
  const bias = new Map<number, number>();
  for (const [key, value] of Object.entries(logitBias)) {
    const id = Number(key);
    check(`logitBias key ${JSON.stringify(key)}`, id, Number.isSafeInteger(id) && id >= 0, 'a token id');
    check(`logitBias[${key}]`, value, Number.isFinite(value) || value === -Infinity, 'finite or −Infinity');
    bias.set(id, value);
  }
  return { temperature, topP, topK, minP, presencePenalty, frequencyPenalty, penaltyDecay, logitBias: bias, seed };
}

function check(name: string, value: unknown, ok: boolean, expected: string): void {
  if (!ok) throw new RangeError(`Sampler option ${name} must be ${expected}, not ${String(value)}`);
}

const ALL_BANNED = 'Every token is banned (all logits are −Infinity): nothing can be sampled';

/** Logits must be finite or −Infinity (banned), and not all banned. */
function assertSamplable(logits: Float32Array): void {
  let anyFinite = false;
  for (const logit of logits) {
    if (Number.isNaN(logit) || logit === Infinity) throw new RangeError(`Logits contain ${logit}`);
    if (logit !== -Infinity) anyFinite = true;
  }
  if (!anyFinite) throw new RangeError(ALL_BANNED);
}

function randomSeed(): number {
  const [high, low] = crypto.getRandomValues(new Uint32Array(2));
  return (high & 0x1fffff) * 2 ** 32 + low;
}
