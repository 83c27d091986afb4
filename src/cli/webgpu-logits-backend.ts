/** The `logits` command's WebGPU backend: the model runs in headless Chromium (the browser is the runtime). */
import type { LogitsBackend } from './logits-backend.js';
import type { LoraFlagEntry } from './lora-flag.js';
import { openRunnerPage } from './browser/runner-page.js';
import { runnerModelOf } from './browser/runner-model.js';
import type { WeightQuantization } from '../quantize/load-time-formats.js';

/** Most tokens one GPU prefill step takes; the runtime cuts a larger `--chunk` into steps of this size. */
const MAX_GPU_CHUNK = 128;

export async function openWebGpuLogitsBackend(
  modelPath: string,
  quantize: WeightQuantization,
  lora: readonly LoraFlagEntry[],
): Promise<LogitsBackend> {
  const { served, model } = await runnerModelOf(modelPath, lora);
  const runner = await openRunnerPage(served);
  try {
    const { nVocab } = await runner.call('loadModel', model, MAX_GPU_CHUNK, quantize);
    return {
      nVocab,
      async allLogits(tokens, chunk) {
        const base64 = await runner.call('allLogits', Array.from(tokens), chunk);
        return new Float32Array(Uint8Array.from(Buffer.from(base64, 'base64')).buffer);
      },
      close: () => runner.close(),
    };
  } catch (error) {
    await runner.close();
    throw error;
  }
}
