// Token-shift mixes of N rows (sx = shifted − x, the previous token minus the current one), MIXES of them at once:
//   main:            out[m][n][c] = x[n][c] + sx[n][c] · mix[m][c]          (v6 / v7: v7's six mixes with
//                    mix = att.x_rwkvag [6, C], v6's first mix with time_maa_x, v6 / v7 channel-mix mixes)
//                    or, with MIX_WEIGHTS_CURRENT, the v4 / v5 lerp (time-mix and channel-mix):
//                    out[m][n][c] = x[n][c] · mix[m][c] + shifted[n][c] · (1 − mix[m][c])
//   data_dependent:  out[m][n][c] = x[n][c] + sx[n][c] · (mix[m][c] + offset[m][n][c])
//                    (v6's five mixes w, k, v, r, g: mix = time_maa_{w,k,v,r,g} [5, C], offset = the LoRA output)
//
// Bindings (group 0):
//   0 storage read       x        [N, CHANNELS] f32
//   1 storage read       shifted  [N, CHANNELS] f32
//   2 storage read       mix      [MIXES, CHANNELS]
//   3 storage read_write out      [MIXES, N, CHANNELS] f32
//   4 storage read       offset   [MIXES, N, CHANNELS] (entry `data_dependent` only)
// Entry points `main` and `data_dependent`, workgroup size 64; dispatch (ceil(CHANNELS / 64), N, 1).

override CHANNELS: u32;
override MIXES: u32 = 1u;
override MIX_WEIGHTS_CURRENT: bool = false;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> shifted: array<f32>;
@group(0) @binding(2) var<storage, read> mix: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<storage, read> offset: array<f32>;

struct Site {
  index: u32,
  plane: u32,
  current: f32,
  previous: f32,
  delta: f32,
}

fn site(id: vec3<u32>, workgroups: vec3<u32>) -> Site {
  let index = id.y * CHANNELS + id.x;
  let current = x[index];
  let previous = shifted[index];
  return Site(index, workgroups.y * CHANNELS, current, previous, previous - current);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) workgroups: vec3<u32>) {
  if (id.x >= CHANNELS) {
    return;
  }
  let s = site(id, workgroups);
  for (var m = 0u; m < MIXES; m++) {
    let weight = mix[m * CHANNELS + id.x];
    if (MIX_WEIGHTS_CURRENT) {
      out[m * s.plane + s.index] = s.current * weight + s.previous * (1.0 - weight);
    } else {
      out[m * s.plane + s.index] = s.current + s.delta * weight;
    }
  }
}

@compute @workgroup_size(64)
fn data_dependent(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) workgroups: vec3<u32>) {
  if (id.x >= CHANNELS) {
    return;
  }
  let s = site(id, workgroups);
  for (var m = 0u; m < MIXES; m++) {
    let at = m * s.plane + s.index;
    out[at] = s.current + s.delta * (mix[m * CHANNELS + id.x] + offset[at]);
  }
}
