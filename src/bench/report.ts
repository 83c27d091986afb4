/**
 * The benchmark's options and its JSON report (the shape `rwkv-webgpu bench --json FILE` writes).
 *
 * decodeGBps = bytes read per decoded token × decode tokens/s, where the bytes read are every weight except the
 * embedding (one row of it) plus the recurrent state read and written; rooflineRatio = decodeGBps / probe readGBps.
 * `counts` are exact on any adapter (src/bench/step-counts.ts).
 */
import type { GrammarBenchResult } from './grammar-bench.js';
import type { StepCounts } from './step-counts.js';

export type BenchModelName = 'v7-0.1b' | 'v7-0.4b' | 'v7-1.5b';

export interface BenchModelShape {
  name: BenchModelName;
  nLayer: number;
  nEmbed: number;
  lora: { decay: number; iclr: number; valueResidual: number; gate: number };
}

/** Synthetic RWKV-7 World shapes (vocab 65536, head size 64, FFN 4·C). */
export const BENCH_MODELS: readonly BenchModelShape[] = [
  { name: 'v7-0.1b', nLayer: 12, nEmbed: 768, lora: { decay: 64, iclr: 64, valueResidual: 32, gate: 128 } },
  { name: 'v7-0.4b', nLayer: 24, nEmbed: 1024, lora: { decay: 64, iclr: 64, valueResidual: 32, gate: 128 } },
  { name: 'v7-1.5b', nLayer: 24, nEmbed: 2048, lora: { decay: 96, iclr: 96, valueResidual: 64, gate: 256 } },
];

export const BENCH_VOCAB = 65536;

/** Every size has a default chosen by the adapter (run-bench.ts): the full sizes on a GPU, small ones on SwiftShader. */
export interface BenchOptions {
  /** Shapes to run; by default all on a hardware adapter, v7-0.1b alone on a software one (SwiftShader). */
  models?: BenchModelName[];
  /** Decode steps timed (after warm-up). */
  decodeTokens?: number;
  warmupTokens?: number;
  prefillTokens?: number;
  /** Sessions decoding together in the batched measurement. */
  batch?: number;
  seed?: number;
}

export interface BenchAdapter {
  vendor: string;
  architecture: string;
  description: string;
  features: string[];
}

export interface BenchResult {
  model: BenchModelName;
  weights: 'f16';
  weightBytes: number;
  decodeTokensPerSec: number;
  decodeGBps: number;
  rooflineRatio: number;
  prefillTokens: number;
  prefillTokensPerSec: number;
  /** Aggregate decode tokens/s of `batch` sessions stepping together (named for the default batch of 8). */
  batch8TokensPerSec: number;
  /** What decides GPU speed, counted from the encoded steps (step-counts.ts): decode of 1 and `batch`, a 512-token prefill. */
  counts: StepCounts;
}

export interface BenchSkip {
  model: BenchModelName;
  reason: string;
}

export interface BenchReport {
  adapter: BenchAdapter;
  probe: { readGBps: number };
  results: BenchResult[];
  skipped: BenchSkip[];
  /** Constrained decoding on this machine's CPU (grammar-bench.ts); added by the CLI. */
  grammar?: GrammarBenchResult;
}
