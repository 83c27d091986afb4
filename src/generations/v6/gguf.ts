/**
 * RWKV-6 in llama.cpp's GGUF files (architecture `rwkv6`; convert_hf_to_gguf.py's Rwkv6Model). The converter keeps
 * every value raw (time_decay and time_faaaa included) and writes the LoRA matrices already as canonical [out, in]
 * (time_maa_w1 [5·Dm, C], time_maa_w2 [5, C, Dm], time_decay_w1 [Dd, C], time_decay_w2 [C, Dd]). It stacks the five
 * token-shift mixes w, k, v, r, g into `time_mix_lerp_fused` [5, C] and flattens time_decay to [C]. When
 * `rwkv6.rescale_every_n_layers` = n > 0 it divides `time_mix_output` and `channel_mix_value` of layer l by
 * 2^⌊l / n⌋, and llama.cpp's graph halves the residual stream after every n-th layer to make up for it; multiplying
 * the two weights back (exact: a power of two) gives the model itself, which this library runs.
 */
import type { GgufBlockTensor, GgufStorage } from '../generation-module.js';

/** 2^⌊layer / n⌋ when the file says it rescaled every n layers, else 1. */
function rescaleDivisor(layer: number, metadata: (key: string) => number | undefined): number {
  const every = metadata('rescale_every_n_layers') ?? 0;
  return every > 0 ? 2 ** Math.floor(layer / every) : 1;
}

const rescaled = (canonical: string): GgufBlockTensor => ({ canonical, divisor: rescaleDivisor });

export const V6_GGUF: GgufStorage = {
  architecture: 'rwkv6',
  blockTensors: {
    'time_mix_lerp_x.weight': { canonical: 'att.time_maa_x' },
    'time_mix_lerp_fused.weight': {
      canonical: ['att.time_maa_w', 'att.time_maa_k', 'att.time_maa_v', 'att.time_maa_r', 'att.time_maa_g'],
    },
    // Files from before the fused tensor held the five mixes separately (llama.cpp still reads them).
    'time_mix_lerp_w.weight': { canonical: 'att.time_maa_w' },
    'time_mix_lerp_k.weight': { canonical: 'att.time_maa_k' },
    'time_mix_lerp_v.weight': { canonical: 'att.time_maa_v' },
    'time_mix_lerp_r.weight': { canonical: 'att.time_maa_r' },
    'time_mix_lerp_g.weight': { canonical: 'att.time_maa_g' },
    'time_mix_w1.weight': { canonical: 'att.time_maa_w1' },
    'time_mix_w2.weight': { canonical: 'att.time_maa_w2' },
    'time_mix_decay.weight': { canonical: 'att.time_decay', perHead: true },
    'time_mix_decay_w1.weight': { canonical: 'att.time_decay_w1' },
    'time_mix_decay_w2.weight': { canonical: 'att.time_decay_w2' },
    'time_mix_first.weight': { canonical: 'att.time_faaaa' },
    'time_mix_key.weight': { canonical: 'att.key.weight' },
    'time_mix_value.weight': { canonical: 'att.value.weight' },
    'time_mix_receptance.weight': { canonical: 'att.receptance.weight' },
    'time_mix_gate.weight': { canonical: 'att.gate.weight' },
    'time_mix_output.weight': rescaled('att.output.weight'),
    'time_mix_ln.weight': { canonical: 'att.ln_x.weight' },
    'time_mix_ln.bias': { canonical: 'att.ln_x.bias' },
    'channel_mix_lerp_k.weight': { canonical: 'ffn.time_maa_k' },
    'channel_mix_lerp_r.weight': { canonical: 'ffn.time_maa_r' },
    'channel_mix_key.weight': { canonical: 'ffn.key.weight' },
    'channel_mix_value.weight': rescaled('ffn.value.weight'),
    'channel_mix_receptance.weight': { canonical: 'ffn.receptance.weight' },
  },
};
