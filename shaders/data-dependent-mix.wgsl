// v6's data-dependent token-shift mixes (ddlerp) with the mix LoRA's second half folded in, for N rows (n < N,
// c < C = CHANNELS, D = LORA_WIDTH):
//   m[i][n][c]   = Σ_{j < D} W2[i·C + c][j] · h[n][i·D + j]                  for i < MIXES (w, k, v, r, g)
//   out[i][n][c] = u[n][c] + (prev[n][c] − u[n][c]) · (mix[i][c] + m[i][n][c])
// h = tanh(W1 · xxx) [N, MIXES·D] is the LoRA's first half: a matrix product every channel needs all of, so a dispatch
// of its own before this one; u are the normed rows and prev their previous rows (norm-shift-mix's NORMED planes).
// Planes of `normed` and `out` lie PLANE_STRIDE floats apart.
//
// Bindings (group 0):
//   0 storage read       weights  W2 [MIXES·C, D] in the GPU matrix layout (lib/weights.wgsl, any WEIGHT_FORMAT)
//   1 storage read       normed   [2, PLANE_STRIDE] f32: u [N, C], then prev [N, C]
//   2 storage read       hidden   [N, MIXES·D] f32
//   3 storage read       mix      [MIXES, C] (time_maa_w, _k, _v, _r, _g stacked)
//   4 storage read_write out      [MIXES, PLANE_STRIDE] f32
// Entry point `main`, workgroup size 64; dispatch (ceil(C / 64), N, 1): one invocation per channel and row, reading
// its MIXES rows of W2 (MIXES·C·D values in all, small enough to stay in cache across the rows).

//!include weights

override CHANNELS: u32;
override MIXES: u32;
override LORA_WIDTH: u32;
override PLANE_STRIDE: u32;

@group(0) @binding(0) var<storage, read> weights: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read> normed: array<f32>;
@group(0) @binding(2) var<storage, read> hidden: array<f32>;
@group(0) @binding(3) var<storage, read> mix: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

// h[base + k], zero past the mix's D values (the zero padding of W2's last chunk meets it).
fn hidden_at(base: u32, k: u32) -> f32 {
  return select(0.0, hidden[base + k], k < LORA_WIDTH);
}

// Row W2[i·C + c] · h[n][i·D ..].
fn lora_offset(i: u32, c: u32, n: u32) -> f32 {
  let base = (n * MIXES + i) * LORA_WIDTH;
  var sum = 0.0;
  for (var chunk = 0u; chunk < chunks_per_row(LORA_WIDTH); chunk++) {
    let w = load_chunk(i * CHANNELS + c, chunk, LORA_WIDTH);
    for (var q = 0u; q < chunk_len() / 4u; q++) {
      let k = chunk * chunk_len() + 4u * q;
      let h = vec4<f32>(hidden_at(base, k), hidden_at(base, k + 1u), hidden_at(base, k + 2u), hidden_at(base, k + 3u));
      sum += dot(chunk_quad(w, q), h);
    }
  }
  return sum;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let c = id.x;
  let n = id.y;
  if (c >= CHANNELS) {
    return;
  }
  let index = n * CHANNELS + c;
  let u = normed[index];
  let shift = normed[PLANE_STRIDE + index] - u;
  for (var i = 0u; i < MIXES; i++) {
    out[i * PLANE_STRIDE + index] = u + shift * (mix[i * CHANNELS + c] + lora_offset(i, c, n));
  }
}
