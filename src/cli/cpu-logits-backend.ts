/**
 * The `logits` command's CPU backend (`--backend cpu`, the default): the fast CPU backend (WebAssembly kernels over
 * the weights as the file stores them, or quantized at load with `--quantize`; src/backend/wasm-cpu.ts) in this
 * process, on as many threads as the engine would take; what `createEngine({ backend: 'cpu', quantize })` computes.
 */
import { openWasmCpuBackend } from '../backend/wasm-cpu.js';
import type { ResolvedLora } from '../protocol/types.js';
import type { WeightQuantization } from '../quantize/load-time-formats.js';
import type { LogitsBackend } from './logits-backend.js';
import { openModelFileStream } from './model-file.js';

export async function openCpuLogitsBackend(
  modelPath: string,
  quantize: WeightQuantization,
  lora: readonly ResolvedLora[],
): Promise<LogitsBackend> {
  const stream = await openModelFileStream(modelPath, lora);
  const backend = await openWasmCpuBackend(stream, 1, 'auto', { quantize });
  const nVocab = backend.spec.nVocab;
  return {
    nVocab,
    async allLogits(tokens, chunk) {
      const state = await backend.allocateState();
      const out = new Float32Array(tokens.length * nVocab);
      for (let start = 0; start < tokens.length; start += chunk) {
        const part = tokens.subarray(start, Math.min(start + chunk, tokens.length));
        out.set(await backend.prefill(state, part, { allLogits: true }), start * nVocab);
      }
      backend.freeState(state);
      return out;
    },
    async close() {
      backend.dispose();
    },
  };
}
