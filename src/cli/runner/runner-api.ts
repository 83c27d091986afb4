/**
 * What the CLI's runner page exposes to Node (as `window.rwkvRunner`, called through Playwright). Float arrays
 * cross the boundary as base64 strings of little-endian f32 bytes.
 */
import type { BenchOptions, BenchReport } from '../../bench/report.js';
import type { GenerationStats } from '../../protocol/types.js';
import type { GenerateRun } from '../generate-run.js';
import type { WeightQuantization } from '../../quantize/load-time-formats.js';

export interface AdapterReport {
  vendor: string;
  architecture: string;
  description: string;
  features: string[];
}

/** A model on the CLI's loopback server (src/cli/browser/runner-model.ts), by URL path. */
export interface RunnerModel {
  /** One model file, or the files of a model given as several (a Hugging Face folder, a split GGUF). */
  files: string | string[];
  /** LoRA adapters merged at load. */
  lora: { url: string; alpha?: number; weight?: number }[];
}

export interface RunnerApi {
  adapter(): Promise<AdapterReport | null>;
  /**
   * Streams the model onto the GPU, read in place by Range requests (prefill steps of at most `maxChunk` tokens;
   * blocks kept, f32 float weights, or quantized at load with `quantize`).
   */
  loadModel(model: RunnerModel, maxChunk: number, quantize: WeightQuantization): Promise<{ nVocab: number }>;
  /** Logits of every position (tokens.length × nVocab, base64 f32) from a fresh state, `chunk` tokens per step. */
  allLogits(tokens: number[], chunk: number): Promise<string>;
  bench(options: BenchOptions): Promise<BenchReport>;
  /** Generates from `model` on WebGPU (through createEngine), passing each text piece to `window.rwkvEmit`. */
  generate(
    run: Omit<GenerateRun, 'model' | 'vocab' | 'lora' | 'state'> & {
      model: RunnerModel;
      vocabUrl?: string;
      stateUrl?: string;
    },
  ): Promise<GenerationStats>;
}

declare global {
  interface Window {
    rwkvRunner?: RunnerApi;
    /** Installed by the CLI (Playwright's exposeFunction) to stream generated text to stdout. */
    rwkvEmit?: (text: string) => Promise<void>;
  }
}

export function float32ToBase64(values: Float32Array): string {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}
