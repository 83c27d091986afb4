// RWKV-7 value residual (layers after the first), for N rows of C channels, in place on v:
//   v[n][c] ← v[n][c] + (v_first[n][c] − v[n][c]) · σ(v0[c] + lora[n][c])
// with v_first the value of layer 0 for the same token, lora = v2 · (v1 · x_v), σ(z) = 1 / (1 + e^(−z)).
//
// Bindings (group 0):
//   0 storage read_write v        [N, CHANNELS] f32
//   1 storage read       v_first  [N, CHANNELS] f32
//   2 storage read       lora     [N, CHANNELS] f32
//   3 storage read       v0       [CHANNELS] f32
// Entry point `main`, workgroup size 64; dispatch (ceil(CHANNELS / 64), N, 1).

override CHANNELS: u32;

@group(0) @binding(0) var<storage, read_write> v: array<f32>;
@group(0) @binding(1) var<storage, read> v_first: array<f32>;
@group(0) @binding(2) var<storage, read> lora: array<f32>;
@group(0) @binding(3) var<storage, read> v0: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  if (id.x >= CHANNELS) {
    return;
  }
  let index = id.y * CHANNELS + id.x;
  let mix = 1.0 / (1.0 + exp(-(v0[id.x] + lora[index])));
  let current = v[index];
  v[index] = current + (v_first[index] - current) * mix;
}
