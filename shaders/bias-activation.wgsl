// The tail of a LoRA (x → act₁(x·A)·B → act₂(bias + ·)): y[n][c] = act(x[n][c] + bias[c]) for N rows, with act the
// ACTIVATION override — e.g. v7 a = σ(a0 + …), the v7 value-residual mix σ(v0 + …), v6 decay time_decay + …
// (identity). The activation between the two low-rank products is the epilogue of matvec / matmat.
//
// Bindings (group 0):
//   0 storage read       x     [N, CHANNELS] f32
//   1 storage read       bias  [CHANNELS]
//   2 storage read_write y     [N, CHANNELS] f32
// Entry point `main`, workgroup size 64; dispatch (ceil(CHANNELS / 64), N, 1).

//!include activation

override CHANNELS: u32;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> bias: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  if (id.x >= CHANNELS) {
    return;
  }
  let index = id.y * CHANNELS + id.x;
  y[index] = activate(x[index] + bias[id.x]);
}
