// Shared snippet (included with `//!include wkv5-decay`, after `wkv5-bindings`): the decay factor of the v5.1 / v5.2
// WKV, as stored (already exp(−exp(·))): w_j = time_decay[h] (v5.1, PARAMS_PER_HEAD) or time_decay[h·S + j] (v5.2),
// the same for every token. v6 resolves this include to wkv5-decay-lora instead (src/gpu/kernels/wkv.ts).

// w of channel j of head h at token row `token_row` (unused here: the decay does not depend on the token).
fn channel_decay(h: u32, j: u32, token_row: u32) -> f32 {
  return time_decay[head_param_index(h, j)];
}
