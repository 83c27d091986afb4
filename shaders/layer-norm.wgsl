// LayerNorm of each row n of C = CHANNELS channels (ln0, ln_out; ln1 / ln2 run inside norm-shift-mix.wgsl, the v5+
// per-head GroupNorm ln_x inside the WKV kernels, lib/head-norm.wgsl):
//   y[n][c] = (x[n][c] − mean) / sqrt(var + EPS) · weight[c] + bias[c],
// mean and (biased) variance taken over the row.
//
// Bindings (group 0):
//   0 storage read       x       [N, C] f32
//   1 storage read       weight  [C]
//   2 storage read       bias    [C]
//   3 storage read_write y       [N, C] f32 (must not alias x)
// Entry point `main`, workgroup size 64; dispatch (1, N, 1): one workgroup per row, two passes (mean, then variance
// about the mean) with a workgroup reduction each. Any CHANNELS works.

override CHANNELS: u32;
override EPS: f32 = 1e-5;

const WORKGROUP_SIZE = 64u;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> weight: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

//!include workgroup-sum

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
  let base = workgroup.y * CHANNELS;

  var sum = 0.0;
  for (var i = lane; i < CHANNELS; i += WORKGROUP_SIZE) {
    sum += x[base + i];
  }
  let mean = workgroup_sum(sum, lane) / f32(CHANNELS);

  var squares = 0.0;
  for (var i = lane; i < CHANNELS; i += WORKGROUP_SIZE) {
    let d = x[base + i] - mean;
    squares += d * d;
  }
  let scale = inverseSqrt(workgroup_sum(squares, lane) / f32(CHANNELS) + EPS);

  for (var i = lane; i < CHANNELS; i += WORKGROUP_SIZE) {
    y[base + i] = (x[base + i] - mean) * scale * weight[i] + bias[i];
  }
}
