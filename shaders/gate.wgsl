// Elementwise gate of N rows: y[n][c] = act(g[n][c]) · x[n][c]   (+ y[n][c] when ACCUMULATE)
// with act the ACTIVATION override: sigmoid for the receptance gates σ(r)·wkv (v4's time mix) and σ(r)·kv (v4–v6's
// channel mix; v7's has none; the v5.2 / v6 / v7 output gates are folded into the WKV kernels). ACCUMULATE adds the
// result into y (the residual stream).
//
// Bindings (group 0):
//   0 storage read       g  [N, CHANNELS] f32
//   1 storage read       x  [N, CHANNELS] f32
//   2 storage read_write y  [N, CHANNELS] f32
// Entry point `main`, workgroup size 64; dispatch (ceil(CHANNELS / 64), N, 1).

//!include activation

override CHANNELS: u32;
override ACCUMULATE: bool = false;

@group(0) @binding(0) var<storage, read> g: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  if (id.x >= CHANNELS) {
    return;
  }
  let index = id.y * CHANNELS + id.x;
  var value = activate(g[index]) * x[index];
  if (ACCUMULATE) {
    value += y[index];
  }
  y[index] = value;
}
