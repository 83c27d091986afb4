// Token-shift mix of N rows (sx = shifted − x, the previous token minus the current one):
//   main:            out[n][c] = x[n][c] + sx[n][c] · mix[c]                  (v6 / v7 time-mix and channel-mix mixes,
//                    one per dispatch: v7's six from the parts of att.x_rwkvag)
//                    or, with MIX_WEIGHTS_CURRENT, the v4 / v5 lerp (time-mix and channel-mix):
//                    out[n][c] = x[n][c] · mix[c] + shifted[n][c] · (1 − mix[c])
//   data_dependent:  out[n][c] = x[n][c] + sx[n][c] · (mix[c] + offset[OFFSET_PLANE][n][c])
//                    (v6's five mixes w, k, v, r, g, one per dispatch: mix = time_maa_i, offset = the five-way LoRA
//                    output [5, N, C] of one grouped matrix product, plane i)
//
// Bindings (group 0):
//   0 storage read       x        [N, CHANNELS] f32
//   1 storage read       shifted  [N, CHANNELS] f32
//   2 storage read       mix      [CHANNELS]
//   3 storage read_write out      [N, CHANNELS] f32
//   4 storage read       offset   [planes, N, CHANNELS] (entry `data_dependent` only)
// Entry points `main` and `data_dependent`, workgroup size 64; dispatch (ceil(CHANNELS / 64), N, 1).

override CHANNELS: u32;
override MIX_WEIGHTS_CURRENT: bool = false;
override OFFSET_PLANE: u32 = 0u;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> shifted: array<f32>;
@group(0) @binding(2) var<storage, read> mix: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<storage, read> offset: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  if (id.x >= CHANNELS) {
    return;
  }
  let index = id.y * CHANNELS + id.x;
  let weight = mix[id.x];
  if (MIX_WEIGHTS_CURRENT) {
    out[index] = x[index] * weight + shifted[index] * (1.0 - weight);
  } else {
    out[index] = x[index] + (shifted[index] - x[index]) * weight;
  }
}

@compute @workgroup_size(64)
fn data_dependent(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) workgroups: vec3<u32>) {
  if (id.x >= CHANNELS) {
    return;
  }
  let index = id.y * CHANNELS + id.x;
  let plane = workgroups.y * CHANNELS;
  out[index] = x[index] + (shifted[index] - x[index]) * (mix[id.x] + offset[OFFSET_PLANE * plane + index]);
}
