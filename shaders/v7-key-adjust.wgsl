// RWKV-7 key adjustment by the in-context learning rate, for N rows of C channels, in place on k:
//   k[n][c] ← k[n][c] · (1 + (a[n][c] − 1) · k_a[c])
// with a = σ(a0 + a2 · (a1 · x_a)). Runs after kk = L2-normalise(k ⊙ k_k), which uses the unadjusted key.
//
// Bindings (group 0):
//   0 storage read_write k    [N, CHANNELS] f32
//   1 storage read       a    [N, CHANNELS] f32
//   2 storage read       k_a  [CHANNELS] f32
// Entry point `main`, workgroup size 64; dispatch (ceil(CHANNELS / 64), N, 1).

override CHANNELS: u32;

@group(0) @binding(0) var<storage, read_write> k: array<f32>;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> k_a: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  if (id.x >= CHANNELS) {
    return;
  }
  let index = id.y * CHANNELS + id.x;
  k[index] = k[index] * (1.0 + (a[index] - 1.0) * k_a[id.x]);
}
