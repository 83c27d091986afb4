/**
 * Loads the model a picker or the address chose, reporting progress in a LoadProgress, and describes the loaded
 * engine in one line (generation, size, tokenizer, backend) for the page header.
 */
import { createEngine } from '../../src/index.js';
import type { Engine, EngineInfo } from '../../src/index.js';
import { errorMessage } from './dom.js';
import type { LoadProgress } from './load-progress.js';
import type { ModelChoice } from './model-picker.js';

export async function loadEngine(choice: ModelChoice, progress: LoadProgress, signal?: AbortSignal): Promise<Engine> {
  progress.start(choice.label);
  try {
    const engine = await createEngine({
      model: choice.model,
      vocab: choice.vocab,
      backend: choice.backend,
      onProgress: (event) => progress.update(event),
      signal,
    });
    progress.finish(`Ready: ${describeEngine(engine.info)}`);
    return engine;
  } catch (error) {
    progress.finish(`Could not load ${choice.label}: ${errorMessage(error)}`, true);
    throw error;
  }
}

/** E.g. "tiny-rwkv-7v0-834K-FP32.bin · RWKV v7 · 12 layers × 64 · 256 tokens (bytes) · f32 · CPU". */
export function describeEngine(info: EngineInfo): string {
  const backend = info.backend === 'webgpu' ? 'WebGPU' : 'CPU';
  return [
    info.name,
    `RWKV v${info.generation}`,
    `${info.nLayer} layers × ${info.nEmbed}`,
    `${info.nVocab} tokens (${info.tokenizer})`,
    `${info.weightType}`,
    backend,
  ].join(' · ');
}
