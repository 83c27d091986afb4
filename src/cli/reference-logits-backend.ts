/**
 * The `logits` command's reference backend (`--backend reference`): the CPU reference forward pass (the oracle), in
 * this process; with `--quantize`, on the values the GPU computes with after that load-time quantization (the
 * oracle's quantize-then-dequantize mode).
 */
import { createState } from '../generations/state.js';
import type { ResolvedLora } from '../protocol/types.js';
import { createReferenceModel } from '../reference/model.js';
import type { LogitsBackend } from './logits-backend.js';
import { loadModelFile } from './model-file.js';
import { quantizedAsLoaded } from '../quantize/oracle-weights.js';
import type { WeightQuantization } from '../quantize/load-time-formats.js';

export async function openReferenceLogitsBackend(
  modelPath: string,
  quantize: WeightQuantization,
  lora: readonly ResolvedLora[],
): Promise<LogitsBackend> {
  const loaded = await loadModelFile(modelPath, lora);
  const model = createReferenceModel(quantize === 'none' ? loaded : quantizedAsLoaded(loaded, { quantize }));
  const nVocab = model.spec.nVocab;
  return {
    nVocab,
    async allLogits(tokens, chunk) {
      const state = createState(model.spec);
      const out = new Float32Array(tokens.length * nVocab);
      for (let start = 0; start < tokens.length; start += chunk) {
        const part = tokens.subarray(start, Math.min(start + chunk, tokens.length));
        out.set(model.forward(part, state, { allLogits: true }), start * nVocab);
      }
      return out;
    },
    async close() {},
  };
}
