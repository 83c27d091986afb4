// RWKV-7 decay, for N rows of C channels:
//   w[n][c] = exp(−e^(−1/2) · σ(w0[c] + lora[n][c])),   σ(z) = 1 / (1 + e^(−z))
// with lora = w2 · tanh(w1 · x_w) (the two matvec / matmat products before this kernel). w lies in
// (exp(−e^(−1/2)), 1): the decay factor that shaders/wkv7.wgsl reads per token.
//
// Bindings (group 0):
//   0 storage read       lora  [N, CHANNELS] f32
//   1 storage read       w0    [CHANNELS] f32
//   2 storage read_write w     [N, CHANNELS] f32
// Entry point `main`, workgroup size 64; dispatch (ceil(CHANNELS / 64), N, 1).

override CHANNELS: u32;

// e^(−1/2)
const DECAY_SCALE = 0.6065306597126334;

@group(0) @binding(0) var<storage, read> lora: array<f32>;
@group(0) @binding(1) var<storage, read> w0: array<f32>;
@group(0) @binding(2) var<storage, read_write> w: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  if (id.x >= CHANNELS) {
    return;
  }
  let index = id.y * CHANNELS + id.x;
  let sigma = 1.0 / (1.0 + exp(-(w0[id.x] + lora[index])));
  w[index] = exp(-DECAY_SCALE * sigma);
}
