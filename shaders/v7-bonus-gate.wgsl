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
// Entry point `main`, workgroup size 64 (any HEAD_SIZE); dispatch (H, N, 1): one workgroup per (head, row), a tree
// reduction for the bonus.

override HEAD_SIZE: u32;

const WORKGROUP_SIZE = 64u;

@group(0) @binding(0) var<storage, read> y: array<f32>;
@group(0) @binding(1) var<storage, read> r: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read> g: array<f32>;
@group(0) @binding(5) var<storage, read> r_k: array<f32>;
@group(0) @binding(6) var<storage, read_write> out: array<f32>;

var<workgroup> partial: array<f32, WORKGROUP_SIZE>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(
  @builtin(workgroup_id) group: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
  @builtin(local_invocation_index) lane: u32,
) {
  let channel0 = group.x * HEAD_SIZE;
  let base = group.y * groups.x * HEAD_SIZE + channel0;

  var sum = 0.0;
  for (var j = lane; j < HEAD_SIZE; j += WORKGROUP_SIZE) {
    sum += r[base + j] * k[base + j] * r_k[channel0 + j];
  }
  partial[lane] = sum;
  workgroupBarrier();
  for (var stride = WORKGROUP_SIZE / 2u; stride > 0u; stride /= 2u) {
    if (lane < stride) {
      partial[lane] += partial[lane + stride];
    }
    workgroupBarrier();
  }
  let bonus = partial[0];

  for (var i = lane; i < HEAD_SIZE; i += WORKGROUP_SIZE) {
    out[base + i] = (y[base + i] + bonus * v[base + i]) * g[base + i];
  }
}
