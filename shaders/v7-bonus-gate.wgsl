// RWKV-7 end of the time mix, before the output projection, for N rows of H heads of S = HEAD_SIZE channels:
//   bonus[n][h] = Σ_j r[n][h·S + j] · k[n][h·S + j] · r_k[h·S + j]
//   out[n][h·S + i] = (y[n][h·S + i] + bonus[n][h] · v[n][h·S + i]) · g[n][h·S + i]
// with y the GroupNorm-ed WKV output, k the adjusted key, v the (value-residual-mixed) value, g the output gate.
//
// Bindings (group 0):
//   0 storage read       y    [N, C] f32
//   1 storage read       r    [N, C] f32
//   2 storage read       k    [N, C] f32
//   3 storage read       v    [N, C] f32
//   4 storage read       g    [N, C] f32
//   5 storage read       r_k  [C] f32
//   6 storage read_write out  [N, C] f32
// Entry point `main`, workgroup size HEAD_SIZE (≤ 256); dispatch (H, N, 1): one workgroup per (head, row), lane j
// computing channel j. Each lane's product r·k·r_k goes to workgroup memory; after one barrier every lane sums them
// (a broadcast read), so no reduction tree and its barriers are needed.

override HEAD_SIZE: u32;

@group(0) @binding(0) var<storage, read> y: array<f32>;
@group(0) @binding(1) var<storage, read> r: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read> g: array<f32>;
@group(0) @binding(5) var<storage, read> r_k: array<f32>;
@group(0) @binding(6) var<storage, read_write> out: array<f32>;

var<workgroup> products: array<f32, HEAD_SIZE>;

@compute @workgroup_size(HEAD_SIZE)
fn main(
  @builtin(workgroup_id) group: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
  @builtin(local_invocation_index) lane: u32,
) {
  let channel = group.x * HEAD_SIZE + lane;
  let index = group.y * groups.x * HEAD_SIZE + channel;
  products[lane] = r[index] * k[index] * r_k[channel];
  workgroupBarrier();

  var bonus = 0.0;
  for (var j = 0u; j < HEAD_SIZE; j++) {
    bonus += products[j];
  }
  out[index] = (y[index] + bonus * v[index]) * g[index];
}
