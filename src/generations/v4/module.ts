/**
 * RWKV-4: the WKV runs per channel with the state aa, bb, pp; token shift by lerp mixes (time_mix_*); official files
 * store the decay raw (canonical time_decay = −exp(w)).
 */
import type { GenerationModule } from '../generation-module.js';
import { negExp } from '../value-transforms.js';
import { createV4CpuLayer } from './cpu-layer.js';
import { createV4FastLayer, v4FastScratchFloats } from './fast-layer.js';
import { TRANSFORMERS_NAMING } from './hub-names.js';
import { syntheticV4Block } from './synthetic.js';
import { V4_TENSORS } from './tensors.js';

/** pp's initial value: "minus infinity" that stays finite so that exp(pp − x) never yields NaN. */
const V4_PP_INITIAL = -1e30;

/** The square matrices of the v4 / v5 attention and of the receptance-gated channel mix (v4, v5, v6). */
export const GATED_BLOCK_MATRICES = [
  'att.key.weight',
  'att.value.weight',
  'att.receptance.weight',
  'att.output.weight',
  'ffn.key.weight',
  'ffn.value.weight',
  'ffn.receptance.weight',
] as const;

const transforms = { 'att.time_decay': negExp };

export const V4_MODULE: GenerationModule = {
  generation: '4',
  tensors: V4_TENSORS,
  official: {
    unused: [],
    stacks: [],
    webRwkvRenames: () => undefined,
    hub: TRANSFORMERS_NAMING,
    transforms: { official: transforms, 'web-rwkv': transforms, 'hugging-face': transforms },
  },
  syntheticLora: {},
  syntheticBlock: syntheticV4Block,
  upload: { matrices: GATED_BLOCK_MATRICES, lora: [] },
  state: {
    wkvFloats: (spec) => 3 * spec.nEmbed,
    initialize: (wkv, spec) => wkv.fill(V4_PP_INITIAL, 2 * spec.nEmbed, 3 * spec.nEmbed),
  },
  cpuLayer: createV4CpuLayer,
  fastLayer: { create: createV4FastLayer, scratchFloats: v4FastScratchFloats },
  loadGpuLayer: async () => (await import('./gpu-layer.js')).createV4GpuLayer,
};
