// Per-head L2 normalisation of x ⊙ scale (RWKV-7: kk = normalize(k · k_k) per head), PyTorch-style:
//   y_j = x_j · scale_j / max(‖x ⊙ scale‖₂ over the head, EPS)
// for every row (token) and every head of S = HEAD_SIZE channels. Rows are laid out [rows, C] with C = H·S.
//
// Overrides: HEAD_SIZE (S, the workgroup size, 1 ≤ S ≤ 256), EPS (default 1e-12, as F.normalize and ggml_l2_norm).
//
// Bindings (group 0):
//   0 storage read       x     [rows, C]
//   1 storage read       scale [C]
//   2 storage read_write out   [rows, C]
// Entry point `main`, workgroup size HEAD_SIZE; dispatch (H, rows, 1).

override HEAD_SIZE: u32 = 64;
override EPS: f32 = 1e-12;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> scale: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

var<workgroup> squares: array<f32, HEAD_SIZE>;

@compute @workgroup_size(HEAD_SIZE)
fn main(
  @builtin(workgroup_id) group: vec3<u32>,
  @builtin(local_invocation_index) j: u32,
  @builtin(num_workgroups) groups: vec3<u32>,
) {
  let channel = group.x * HEAD_SIZE + j;
  let index = group.y * groups.x * HEAD_SIZE + channel;
  let value = x[index] * scale[channel];
  squares[j] = value * value;
  workgroupBarrier();

  var sum = 0.0;
  for (var n = 0u; n < HEAD_SIZE; n++) {
    sum += squares[n];
  }
  out[index] = value / max(sqrt(sum), EPS);
}
