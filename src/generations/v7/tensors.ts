/**
 * RWKV-7 tensor layout: six token-shift mixes stacked as x_rwkvag [6, C] (r, w, k, v, a, g); decay w0 + LoRA
 * w1 [Dw, C] / w2 [C, Dw]; in-context learning rate a0 + a1 [Da, C] / a2 [C, Da]; gate g1 [Dg, C] / g2 [C, Dg];
 * from block 1 on the value residual v0 + v1 [Dv, C] / v2 [C, Dv]; k_k, k_a [C]; r_k [H, S]; GroupNorm ln_x; the
 * channel-mix block is x_k, key, value (no receptance).
 */
import type { GenerationTensors } from '../generation-module.js';
import type { BlockTensor } from '../shapes.js';
import { headsFromMatrix, matrixRows, sameShape } from '../shapes.js';
import type { ModelSpec } from '../../model/spec.js';

/** The two LoRA matrices `${down}` [width, C] and `${up}` [C, width]. */
function lora(down: string, up: string, width: number | undefined, c: number): BlockTensor[] {
  return [
    [down, [width ?? 0, c]],
    [up, [c, width ?? 0]],
  ];
}

export const V7_TENSORS: GenerationTensors = {
  signature: ['att.x_rwkvag'],
  heads: true,
  inferHeads: (shapes, nEmbed) => headsFromMatrix(shapes, 'blocks.0.att.r_k', nEmbed),
  inferLora(shapes, nLayer) {
    return {
      decay: matrixRows(shapes, 'blocks.0.att.w1'),
      iclr: matrixRows(shapes, 'blocks.0.att.a1'),
      gate: matrixRows(shapes, 'blocks.0.att.g1'),
      ...(nLayer > 1 ? { valueResidual: matrixRows(shapes, 'blocks.1.att.v1') } : {}),
    };
  },
  blockTensors(spec: ModelSpec, layer: number) {
    const c = spec.nEmbed;
    return [
      ['att.x_rwkvag', [6, c]],
      ...sameShape(['att.w0', 'att.a0', 'att.k_k', 'att.k_a', 'att.ln_x.weight', 'att.ln_x.bias', 'ffn.x_k'], [c]),
      ['att.r_k', [spec.nHead, spec.headSize]],
      ...lora('att.w1', 'att.w2', spec.lora.decay, c),
      ...lora('att.a1', 'att.a2', spec.lora.iclr, c),
      ...lora('att.g1', 'att.g2', spec.lora.gate, c),
      ...(layer > 0 ? [['att.v0', [c]] as const, ...lora('att.v1', 'att.v2', spec.lora.valueResidual, c)] : []),
      ...sameShape(['att.key.weight', 'att.value.weight', 'att.receptance.weight', 'att.output.weight'], [c, c]),
      ['ffn.key.weight', [spec.nFfn, c]],
      ['ffn.value.weight', [c, spec.nFfn]],
    ];
  },
};
