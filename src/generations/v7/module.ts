/**
 * RWKV-7 (Goose): the generalised delta rule. Official files store the six token-shift mixes as x_r … x_g (stacked
 * here into x_rwkvag) and the LoRA matrices transposed; web-rwkv's files store them canonical, which only their
 * shapes tell.
 *
 * Official files also carry blocks.0.att.v0, v1, v2, which inference never reads: BlinkDL's training module
 * (RWKV-LM, RWKV_Tmix_x070) creates the value-residual gate in every layer, but layer 0 takes v_first from its own
 * value and never mixes, so the gate of layer 0 is dead weight in every checkpoint saved from training. RWKV-LM's
 * rwkv_v7_demo.py loads with strict=False ("we will ignore blocks.0.att.v0/v1/v2"); ChatRWKV's and the RNN demos put
 * placeholders there. The official-name reader skips them unread (docs/formats.md).
 */
import { ModelFormatError } from '../../errors.js';
import type { CheckpointNaming, GenerationModule } from '../generation-module.js';
import { MATRIX_STATE } from '../v5/module.js';
import { each, transposeLastTwo } from '../value-transforms.js';
import { createV7CpuLayer } from './cpu-layer.js';
import { createV7FastLayer, v7FastScratchFloats } from './fast-layer.js';
import { FLA_NAMING } from './hub-names.js';
import { V7_GGUF } from './gguf.js';
import { syntheticV7Block } from './synthetic.js';
import { V7_TENSORS } from './tensors.js';

const LORA = ['w1', 'w2', 'a1', 'a2', 'g1', 'g2', 'v1', 'v2'].map((name) => `att.${name}`);

/**
 * web-rwkv's v7 files hold the LoRA matrices already as canonical [out, in] (down [D, C], up [C, D]), official
 * ones transposed. The orientation shows wherever a width D differs from C; when every width equals C the file is
 * taken as official.
 */
function namingFromShapes(shapes: ReadonlyMap<string, readonly number[]>, nEmbed: number): CheckpointNaming {
  const found = new Set<CheckpointNaming>();
  for (const [name, shape] of shapes) {
    const lora = /\.att\.[wagv]([12])$/.exec(name);
    if (lora === null || shape.length !== 2) continue;
    const [rows, cols] = shape;
    const [out, inner] = lora[1] === '1' ? [rows, cols] : [cols, rows];
    if (inner === nEmbed && out !== nEmbed) found.add('web-rwkv');
    if (out === nEmbed && inner !== nEmbed) found.add('official');
  }
  if (found.size > 1) throw new ModelFormatError('the v7 LoRA matrices are stored in mixed orientations');
  return found.has('web-rwkv') ? 'web-rwkv' : 'official';
}

export const V7_MODULE: GenerationModule = {
  generation: '7',
  tensors: V7_TENSORS,
  official: {
    unused: ['blocks.0.att.v0', 'blocks.0.att.v1', 'blocks.0.att.v2'],
    stacks: [{ name: 'att.x_rwkvag', parts: ['att.x_r', 'att.x_w', 'att.x_k', 'att.x_v', 'att.x_a', 'att.x_g'] }],
    webRwkvRenames: () => undefined,
    namingFromShapes,
    hub: FLA_NAMING,
    transforms: { official: each(LORA, transposeLastTwo), 'web-rwkv': {}, 'hugging-face': {} },
  },
  gguf: V7_GGUF,
  syntheticLora: { decay: 64, iclr: 64, valueResidual: 32, gate: 128 },
  syntheticBlock: syntheticV7Block,
  upload: {
    matrices: [
      ...['key', 'value', 'receptance', 'output'].map((name) => `att.${name}.weight`),
      ...LORA,
      'ffn.key.weight',
      'ffn.value.weight',
    ],
    lora: LORA,
  },
  state: MATRIX_STATE,
  cpuLayer: createV7CpuLayer,
  fastLayer: { create: createV7FastLayer, scratchFloats: v7FastScratchFloats },
  loadGpuLayer: async () => (await import('./gpu-layer.js')).createV7GpuLayer,
};
