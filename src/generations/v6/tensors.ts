/**
 * RWKV-6 tensor layout: data-dependent token shift (time_maa_x/w/k/v/r/g plus a 5-way LoRA time_maa_w1
 * [5·Dm, C] and time_maa_w2 [5, C, Dm], mixes w, k, v, r, g), data-dependent decay (time_decay [H, S] plus the
 * LoRA time_decay_w1 [Dd, C], time_decay_w2 [C, Dd]), bonus time_faaaa [H, S], GroupNorm ln_x and a gate; the
 * channel-mix block uses time_maa_{k,r}.
 */
import { ModelFormatError } from '../../errors.js';
import type { GenerationTensors } from '../generation-module.js';
import { headsFromMatrix, matrixRows, sameShape } from '../shapes.js';

/** Mixes fed by the token-shift LoRA: w, k, v, r, g. */
const LORA_MIXES = 5;

export const V6_TENSORS: GenerationTensors = {
  signature: ['att.time_maa_x'],
  heads: true,
  inferHeads: (shapes, nEmbed) => headsFromMatrix(shapes, 'blocks.0.att.time_faaaa', nEmbed),
  inferLora(shapes) {
    const mixRows = matrixRows(shapes, 'blocks.0.att.time_maa_w1');
    if (mixRows % LORA_MIXES !== 0) {
      throw new ModelFormatError(`tensor 'blocks.0.att.time_maa_w1' has ${mixRows} rows, not ${LORA_MIXES} × D_mix`);
    }
    return { mix: mixRows / LORA_MIXES, decay: matrixRows(shapes, 'blocks.0.att.time_decay_w1') };
  },
  blockTensors(spec) {
    const c = spec.nEmbed;
    const mix = spec.lora.mix ?? 0;
    const decay = spec.lora.decay ?? 0;
    return [
      ...sameShape(
        ['att.time_maa_x', 'att.time_maa_w', 'att.time_maa_k', 'att.time_maa_v', 'att.time_maa_r', 'att.time_maa_g'],
        [c],
      ),
      ['att.time_maa_w1', [LORA_MIXES * mix, c]],
      ['att.time_maa_w2', [LORA_MIXES, c, mix]],
      ...sameShape(['att.time_decay', 'att.time_faaaa'], [spec.nHead, spec.headSize]),
      ['att.time_decay_w1', [decay, c]],
      ['att.time_decay_w2', [c, decay]],
      ...sameShape(['att.ln_x.weight', 'att.ln_x.bias', 'ffn.time_maa_k', 'ffn.time_maa_r'], [c]),
      ...sameShape(
        ['att.key.weight', 'att.value.weight', 'att.receptance.weight', 'att.output.weight', 'att.gate.weight'],
        [c, c],
      ),
      ['ffn.key.weight', [spec.nFfn, c]],
      ['ffn.value.weight', [c, spec.nFfn]],
      ['ffn.receptance.weight', [c, c]],
    ];
  },
};
