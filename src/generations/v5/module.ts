/**
 * RWKV-5.1 and 5.2 (Eagle): a matrix WKV state per head. 5.1 has one decay and bonus per head (time_first, stored
 * raw: canonical exp(u)); 5.2 one per head channel (time_faaaa; ChatRWKV files may store [H], repeated over S) and a
 * SiLU output gate. Both store the decay raw (canonical exp(−exp(w))) and mix tokens by lerp (time_mix_*).
 */
import type { GenerationModule, StatePolicy } from '../generation-module.js';
import { TRANSFORMERS_NAMING } from '../v4/hub-names.js';
import { GATED_BLOCK_MATRICES } from '../v4/module.js';
import { compose, exp, expNegExp, repeatPerHead } from '../value-transforms.js';
import { createV5CpuLayer } from './cpu-layer.js';
import { createV5FastLayer, v5FastScratchFloats } from './fast-layer.js';
import { syntheticV5Block } from './synthetic.js';
import { V5_1_TENSORS, V5_2_TENSORS } from './tensors.js';

/** The H × S × S matrix state of every generation from v5 on. */
export const MATRIX_STATE: StatePolicy = { wkvFloats: (spec) => spec.nHead * spec.headSize * spec.headSize };

const v51Transforms = { 'att.time_decay': expNegExp, 'att.time_first': exp };
const v52Transforms = { 'att.time_decay': compose(repeatPerHead, expNegExp), 'att.time_faaaa': repeatPerHead };

export const V5_1_MODULE: GenerationModule = {
  generation: '5.1',
  tensors: V5_1_TENSORS,
  official: {
    unused: [],
    stacks: [],
    webRwkvRenames: () => undefined,
    hub: TRANSFORMERS_NAMING,
    transforms: { official: v51Transforms, 'web-rwkv': v51Transforms, 'hugging-face': v51Transforms },
  },
  syntheticLora: {},
  syntheticBlock: syntheticV5Block(false),
  upload: { matrices: GATED_BLOCK_MATRICES, lora: [] },
  state: MATRIX_STATE,
  cpuLayer: createV5CpuLayer(false),
  fastLayer: { create: createV5FastLayer(false), scratchFloats: v5FastScratchFloats },
  loadGpuLayer: async () => (await import('./gpu-layer.js')).createV5GpuLayer(false),
};

export const V5_2_MODULE: GenerationModule = {
  generation: '5.2',
  tensors: V5_2_TENSORS,
  official: {
    unused: [],
    stacks: [],
    /** web-rwkv names 5.2's time_faaaa time_first. */
    webRwkvRenames: (block0) =>
      block0.has('att.gate.weight') && block0.has('att.time_first') && !block0.has('att.time_faaaa')
        ? (suffix) => (suffix === 'att.time_first' ? 'att.time_faaaa' : suffix)
        : undefined,
    hub: TRANSFORMERS_NAMING,
    transforms: { official: v52Transforms, 'web-rwkv': v52Transforms, 'hugging-face': v52Transforms },
    /** A per-head [H] decay or bonus (ChatRWKV's files) is inferred as [H, C/H]. */
    inferenceShape(suffix, dims, nEmbed) {
      const perHead = (suffix === 'att.time_decay' || suffix === 'att.time_faaaa') && dims.length === 1;
      return perHead && dims[0] !== nEmbed && nEmbed % dims[0] === 0 ? [dims[0], nEmbed / dims[0]] : undefined;
    },
  },
  syntheticLora: {},
  syntheticBlock: syntheticV5Block(true),
  upload: { matrices: [...GATED_BLOCK_MATRICES, 'att.gate.weight'], lora: [] },
  state: MATRIX_STATE,
  cpuLayer: createV5CpuLayer(true),
  fastLayer: { create: createV5FastLayer(true), scratchFloats: v5FastScratchFloats },
  loadGpuLayer: async () => (await import('./gpu-layer.js')).createV5GpuLayer(true),
};
