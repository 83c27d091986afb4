/**
 * RWKV-7 in llama.cpp's GGUF files (architecture `rwkv7`; convert_hf_to_gguf.py's Rwkv7Model). Values are raw
 * (w0, a0, v0 as trained) and the LoRA matrices canonical [out, in] (w1 [Dw, C], w2 [C, Dw], …: transposed relative
 * to BlinkDL's files). The six token-shift mixes r, w, k, v, a, g are fused into `time_mix_lerp_fused` [6, C] — the
 * canonical x_rwkvag — and r_k is flattened to [C]. Layer 0 carries `time_mix_v0/v1/v2` as dummies (copies of a0,
 * a1, a2, for llama.cpp's loader): layer 0 never mixes its value, so they are skipped unread.
 */
import type { GgufStorage } from '../generation-module.js';

export const V7_GGUF: GgufStorage = {
  architecture: 'rwkv7',
  blockTensors: {
    'time_mix_lerp_fused.weight': { canonical: 'att.x_rwkvag' },
    'time_mix_w0.weight': { canonical: 'att.w0' },
    'time_mix_w1.weight': { canonical: 'att.w1' },
    'time_mix_w2.weight': { canonical: 'att.w2' },
    'time_mix_a0.weight': { canonical: 'att.a0' },
    'time_mix_a1.weight': { canonical: 'att.a1' },
    'time_mix_a2.weight': { canonical: 'att.a2' },
    'time_mix_v0.weight': { canonical: 'att.v0', dummyInLayer0: true },
    'time_mix_v1.weight': { canonical: 'att.v1', dummyInLayer0: true },
    'time_mix_v2.weight': { canonical: 'att.v2', dummyInLayer0: true },
    'time_mix_g1.weight': { canonical: 'att.g1' },
    'time_mix_g2.weight': { canonical: 'att.g2' },
    'time_mix_k_k.weight': { canonical: 'att.k_k' },
    'time_mix_k_a.weight': { canonical: 'att.k_a' },
    'time_mix_r_k.weight': { canonical: 'att.r_k', perHead: true },
    'time_mix_key.weight': { canonical: 'att.key.weight' },
    'time_mix_value.weight': { canonical: 'att.value.weight' },
    'time_mix_receptance.weight': { canonical: 'att.receptance.weight' },
    'time_mix_output.weight': { canonical: 'att.output.weight' },
    'time_mix_ln.weight': { canonical: 'att.ln_x.weight' },
    'time_mix_ln.bias': { canonical: 'att.ln_x.bias' },
    'channel_mix_lerp_k.weight': { canonical: 'ffn.x_k' },
    'channel_mix_key.weight': { canonical: 'ffn.key.weight' },
    'channel_mix_value.weight': { canonical: 'ffn.value.weight' },
  },
};
