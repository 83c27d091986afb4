// Shared snippet (included with `//!include wkv5-bindings`, after `head-norm` and `activation`): the storage bindings
// of the v5-family WKV kernels (wkv5.wgsl, wkv5-chunked.wgsl), declared once so that both forms take the same bind
// group (binding 0 is the step-params uniform), and the glue both fold in after the recurrence, for channel c:
//   out_c = GroupNorm_head(y)_c                (v5.1)
//   out_c = GroupNorm_head(y)_c · SiLU(g_c)    (GATED: v5.2, v6; ACTIVATION is SiLU)
// r, k, v (and g) are planes of one buffer, PLANE_STRIDE floats apart (src/gpu/step/scratch.ts), each [B, T, C]; v6's
// fifth plane holds its decay LoRA's hidden activations (the wkv5-decay-lora snippet, which reads binding 8: the
// including kernel includes `weights`; other kernels leave binding 8 unused).

override PLANE_STRIDE: u32;
override GATED: bool = false;

const PLANE_R = 0u;
const PLANE_K = 1u;
const PLANE_V = 2u;
const PLANE_G = 3u;

@group(0) @binding(1) var<storage, read_write> state: array<f32>;
@group(0) @binding(2) var<storage, read> time_first: array<f32>;
@group(0) @binding(3) var<storage, read> time_decay: array<f32>;
@group(0) @binding(4) var<storage, read> planes: array<f32>;
@group(0) @binding(5) var<storage, read> ln_weight: array<f32>;
@group(0) @binding(6) var<storage, read> ln_bias: array<f32>;
@group(0) @binding(7) var<storage, read_write> out: array<f32>;
@group(0) @binding(8) var<storage, read> weights: array<vec4<u32>>;

fn head_param_index(h: u32, j: u32) -> u32 {
  if (PARAMS_PER_HEAD) {
    return h;
  }
  return h * HEAD_SIZE + j;
}

fn norm_weight(c: u32) -> f32 {
  return ln_weight[c];
}

fn norm_bias(c: u32) -> f32 {
  return ln_bias[c];
}

// Element `index` ([B, T, C] position) of input plane `p`.
fn plane(p: u32, index: u32) -> f32 {
  return planes[p * PLANE_STRIDE + index];
}

// The time mix's output at `index` (channel c) from the head's GroupNorm statistics (head-norm).
fn gated_output(y: f32, stats: vec2<f32>, index: u32, c: u32) -> f32 {
  let normed = group_norm(y, stats, c);
  if (GATED) {
    return normed * activate(plane(PLANE_G, index));
  }
  return normed;
}
