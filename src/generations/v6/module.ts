/**
 * RWKV-6 (Finch): data-dependent token shift (a 5-way LoRA) and decay (a LoRA); official files store the LoRA
 * matrices transposed, web-rwkv's as canonical but with time_maa named time_mix and time_faaaa named time_first.
 */
import type { GenerationModule } from '../generation-module.js';
import { sameIgnoringOnes } from '../shapes.js';
import { TRANSFORMERS_NAMING } from '../v4/hub-names.js';
import { GATED_BLOCK_MATRICES } from '../v4/module.js';
import { MATRIX_STATE } from '../v5/module.js';
import { each, transposeLastTwo } from '../value-transforms.js';
import { createV6CpuLayer } from './cpu-layer.js';
import { createV6FastLayer, v6FastScratchFloats } from './fast-layer.js';
import { V6_GGUF } from './gguf.js';
import { syntheticV6Block } from './synthetic.js';
import { V6_TENSORS } from './tensors.js';

const LORA = ['att.time_maa_w1', 'att.time_maa_w2', 'att.time_decay_w1', 'att.time_decay_w2'];
/** Official files (and the hub's conversions, which keep their values) store the LoRA matrices transposed. */
const official = each(LORA, transposeLastTwo);

export const V6_MODULE: GenerationModule = {
  generation: '6',
  tensors: V6_TENSORS,
  official: {
    unused: [],
    stacks: [],
    webRwkvRenames: (block0) =>
      block0.has('att.time_mix_x')
        ? (suffix) =>
            suffix === 'att.time_first' ? 'att.time_faaaa' : suffix.replace(/^(att|ffn)\.time_mix_/, '$1.time_maa_')
        : undefined,
    hub: TRANSFORMERS_NAMING,
    transforms: { official: official, 'web-rwkv': {}, 'hugging-face': official },
    /** time_decay is stored [1, 1, C]; canonically it is [H, S] (rwkv.cpp reshapes it the same way). */
    storedAs: (suffix, shape, spec) =>
      suffix === 'att.time_decay' && sameIgnoringOnes(shape, [spec.nEmbed]) ? [spec.nHead, spec.headSize] : undefined,
  },
  gguf: V6_GGUF,
  syntheticLora: { mix: 32, decay: 64 },
  syntheticBlock: syntheticV6Block,
  upload: {
    matrices: [...GATED_BLOCK_MATRICES, 'att.gate.weight', ...LORA],
    lora: LORA,
  },
  state: MATRIX_STATE,
  cpuLayer: createV6CpuLayer,
  fastLayer: { create: createV6FastLayer, scratchFloats: v6FastScratchFloats },
  loadGpuLayer: async () => (await import('./gpu-layer.js')).createV6GpuLayer,
};
