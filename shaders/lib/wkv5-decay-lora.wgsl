// Shared snippet (resolved for `//!include wkv5-decay` in v6's WKV kernels, after `wkv5-bindings` and `weights`):
// v6's per-token decay with the decay LoRA's second half folded in, for channel c = h·S + j of token row n:
//   z[n][c] = Σ_{d < D} Wd2[c][d] · hidden[n][d]          D = DECAY_LORA_WIDTH; Wd2 = time_decay_w2 [C, D]
//   w[n][c] = exp(−exp(time_decay[c] + z[n][c]))
// hidden = tanh(Wd1 · x_w) [N, D] is the fifth plane of the inputs (a matrix product: its own dispatch before the
// WKV); Wd2 is binding 8 in the GPU matrix layout (any WEIGHT_FORMAT, lib/weights.wgsl).

override DECAY_LORA_WIDTH: u32;

const PLANE_DECAY_HIDDEN = 4u;

// hidden[n][d], zero past D (the zero padding of Wd2's last chunk meets it).
fn decay_hidden(token_row: u32, d: u32) -> f32 {
  return select(0.0, plane(PLANE_DECAY_HIDDEN, token_row * DECAY_LORA_WIDTH + d), d < DECAY_LORA_WIDTH);
}

// w of channel j of head h at token row `token_row`.
fn channel_decay(h: u32, j: u32, token_row: u32) -> f32 {
  let c = h * HEAD_SIZE + j;
  var z = 0.0;
  for (var chunk = 0u; chunk < chunks_per_row(DECAY_LORA_WIDTH); chunk++) {
    let w = load_chunk(c, chunk, DECAY_LORA_WIDTH);
    for (var q = 0u; q < chunk_len() / 4u; q++) {
      let d = chunk * chunk_len() + 4u * q;
      let h4 = vec4<f32>(
        decay_hidden(token_row, d),
        decay_hidden(token_row, d + 1u),
        decay_hidden(token_row, d + 2u),
        decay_hidden(token_row, d + 3u),
      );
      z += dot(chunk_quad(w, q), h4);
    }
  }
  return exp(-exp(time_decay[c] + z));
}
