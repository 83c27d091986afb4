/**
 * The benchmark's options and its JSON report (the shape `rwkv-webgpu bench --json FILE` writes).
 *
 * Each shape runs with f16 weights and quantized at load to q8 and q4 (src/quantize/load-time-formats.ts), side by
 * side. bytesReadPerToken = every weight's GPU bytes except the embedding's (one row of it, whatever its format)
 * plus the recurrent state read and written; decodeGBps = bytesReadPerToken × decode tokens/s; rooflineRatio =
 * decodeGBps / probe readGBps.
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

/** The GPU weights a shape runs with: f16, or quantized at load ('q8': Q8_0; 'q4': Q4_1, head and embedding Q8_0). */
export type BenchWeights = 'f16' | 'q8' | 'q4';

export const BENCH_WEIGHTS: readonly BenchWeights[] = ['f16', 'q8', 'q4'];

/** Every size has a default chosen by the adapter (run-bench.ts): the full sizes on a GPU, small ones on SwiftShader. */
export interface BenchOptions {
  /** Shapes to run; by default all on a hardware adapter, v7-0.1b alone on a software one (SwiftShader). */
  models?: BenchModelName[];
  /** Weight formats each shape runs with (default all of BENCH_WEIGHTS). */
  weights?: BenchWeights[];
  /** Decode steps timed (after warm-up). */
  decodeTokens?: number;
  warmupTokens?: number;
  prefillTokens?: number;
  /** Sessions decoding together in the batched measurement. */
  batch?: number;
  seed?: number;
  /** Upload each shape and format and stop there: the load time and GPU bytes of shapes too slow to run here. */
  loadOnly?: boolean;
  /** The adapter and the read-bandwidth probe alone (no shape): what a machine offers, in seconds. */
  probeOnly?: boolean;
}

export interface BenchAdapter {
  vendor: string;
  architecture: string;
  description: string;
  features: string[];
  /** A CPU implementation of WebGPU (SwiftShader, llvmpipe…): its timings measure the CPU, not a GPU. */
  software: boolean;
}

/** One shape and format uploaded: what it took. */
export interface BenchLoad {
  model: BenchModelName;
  weights: BenchWeights;
  /** GPU bytes of all weights, as allocated. */
  weightBytes: number;
  /** Seconds from the first synthetic tensor to a model ready to step (generation, quantization, upload, pipelines). */
  loadSeconds: number;
}

export interface BenchResult extends BenchLoad {
  bytesReadPerToken: number;
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
  /** Absent when the shape was skipped for every weight format. */
  weights?: BenchWeights;
  reason: string;
}

export interface BenchReport {
  adapter: BenchAdapter;
  probe: { readGBps: number };
  results: BenchResult[];
  /** Shapes only uploaded (`loadOnly`). */
  loads: BenchLoad[];
  skipped: BenchSkip[];
  /** Constrained decoding on this machine's CPU (grammar-bench.ts); added by the CLI. */
  grammar?: GrammarBenchResult;
}
