/**
 * The body of `rwkv-webgpu generate`, shared by the in-process run (CPU, Node) and the in-browser run (WebGPU, the
 * CLI's runner page): load the engine (and the initial state of a state-tuning file), prefill the prompt, stream the
 * generated text to `emit`, return the stats.
 */
import { createEngine } from '../engine/engine.js';
import type { BackendChoice } from '../backend/backend.js';
import type { GenerationStats, LoraOptions, ModelFiles, ModelInput } from '../protocol/types.js';
import type { WeightQuantization } from '../quantize/load-time-formats.js';

export interface GenerateRun {
  model: ModelInput | ModelFiles;
  vocab?: ModelInput;
  /** LoRA adapters merged at load. */
  lora?: LoraOptions[];
  /** A state-tuning file: the session starts from its initial state (engine.loadState). */
  state?: ModelInput;
  backend: BackendChoice;
  prompt: string;
  maxTokens: number;
  temperature: number;
  topP: number;
  /** Omitted: a random seed. */
  seed?: number;
  /** Load-time quantization of the GPU weights (createEngine's `quantize`). */
  quantize: WeightQuantization;
}

export async function runGeneration(
  run: GenerateRun,
  emit: (text: string) => void,
  warn: (message: string) => void,
): Promise<GenerationStats> {
  const engine = await createEngine({
    model: run.model,
    vocab: run.vocab,
    lora: run.lora,
    backend: run.backend,
    quantize: run.quantize,
    worker: false,
    onProgress: (event) => {
      if (event.phase === 'warning') warn(event.message);
    },
  });
  try {
    if (run.state !== undefined) await engine.loadState(run.state, { name: 'state' });
    const session = await engine.createSession(run.state === undefined ? {} : { state: 'state' });
    await session.prefill(run.prompt);
    const tokens = session.generate({
      maxTokens: run.maxTokens,
      temperature: run.temperature,
      topP: run.topP,
      seed: run.seed,
    });
    for await (const { text } of tokens) emit(text);
    return session.lastStats!;
  } finally {
    await engine.dispose();
  }
}
