// Normalisation over groups of channels, for each row n and group g (C = GROUPS · GROUP_SIZE channels per row):
//   y[n][c] = (x[n][c] − mean) / sqrt(var + EPS) · weight[c] + bias[c],
// mean and (biased) variance taken over the GROUP_SIZE channels of group g in row n.
// GROUPS = 1 is LayerNorm (ln0, ln1, ln2, ln_out; EPS 1e-5); GROUPS = H, GROUP_SIZE = S is the per-head GroupNorm
// of v5+ (ln_x; EPS 1e-5 for v5, 64e-5 for v6 / v7).
//
// Bindings (group 0):
//   0 storage read       x       [N, C] f32
//   1 storage read       weight  [C]
//   2 storage read       bias    [C]
//   3 storage read_write y       [N, C] f32 (must not alias x)
// Entry point `main`, workgroup size 64; dispatch (GROUPS, N, 1): one workgroup per (group, row), two passes
// (mean, then variance about the mean) with a workgroup tree reduction each. Any GROUP_SIZE works.

override GROUP_SIZE: u32;
override GROUPS: u32 = 1u;
override EPS: f32 = 1e-5;

const WORKGROUP_SIZE = 64u;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> weight: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

//!include workgroup-sum

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
  let channel0 = workgroup.x * GROUP_SIZE;
  let base = workgroup.y * GROUPS * GROUP_SIZE + channel0;

  var sum = 0.0;
  for (var i = lane; i < GROUP_SIZE; i += WORKGROUP_SIZE) {
    sum += x[base + i];
  }
  let mean = workgroup_sum(sum, lane) / f32(GROUP_SIZE);

  var squares = 0.0;
  for (var i = lane; i < GROUP_SIZE; i += WORKGROUP_SIZE) {
    let d = x[base + i] - mean;
    squares += d * d;
  }
  let scale = inverseSqrt(workgroup_sum(squares, lane) / f32(GROUP_SIZE) + EPS);

  for (var i = lane; i < GROUP_SIZE; i += WORKGROUP_SIZE) {
    y[base + i] = (x[base + i] - mean) * scale * weight[channel0 + i] + bias[channel0 + i];
  }
}
