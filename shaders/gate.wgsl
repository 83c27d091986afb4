// The channel mix's receptance gate over N rows, added into the residual stream (v4–v6; v7's channel mix has none,
// v4's time-mix gate is folded into wkv4, the v5.2 / v6 / v7 output gates into the WKV kernels):
//   y[n][c] += σ(g[n][c]) · x[n][c]
//
// Bindings (group 0):
//   0 storage read       g  [N, CHANNELS] f32   (the receptance Wr·xr)
//   1 storage read       x  [N, CHANNELS] f32   (the value product)
//   2 storage read_write y  [N, CHANNELS] f32   (the residual stream)
// Entry point `main`, workgroup size 64; dispatch (ceil(CHANNELS / 64), N, 1).

override CHANNELS: u32;

@group(0) @binding(0) var<storage, read> g: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  if (id.x >= CHANNELS) {
    return;
  }
  let index = id.y * CHANNELS + id.x;
  y[index] += x[index] / (1.0 + exp(-g[index]));
}
