// RWKV-6 data-dependent decay, for N rows of C channels:
//   w[n][c] = exp(−exp(time_decay[c] + lora[n][c]))
// with lora = time_decay_w2 · tanh(time_decay_w1 · x_w) (the two matvec / matmat products before this kernel).
// The result is the per-token decay factor that shaders/wkv5.wgsl reads with DECAY_PER_TOKEN.
//
// Bindings (group 0):
//   0 storage read       lora        [N, CHANNELS] f32
//   1 storage read       time_decay  [CHANNELS] f32 (the raw canonical att.time_decay [H, S])
//   2 storage read_write w           [N, CHANNELS] f32
// Entry point `main`, workgroup size 64; dispatch (ceil(CHANNELS / 64), N, 1).

override CHANNELS: u32;

@group(0) @binding(0) var<storage, read> lora: array<f32>;
@group(0) @binding(1) var<storage, read> time_decay: array<f32>;
@group(0) @binding(2) var<storage, read_write> w: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  if (id.x >= CHANNELS) {
    return;
  }
  let index = id.y * CHANNELS + id.x;
  w[index] = exp(-exp(time_decay[id.x] + lora[index]));
}
