// Shared snippet (included with `//!include wkv7-bindings`, after `head-norm`): the storage bindings of the v7 WKV kernels (wkv7.wgsl,
// wkv7-chunked.wgsl), declared once so that both forms take the same bind group (binding 0 is the step-params
// uniform), and the per-head glue both forms fold around the recurrence, for channel c of head h at one token:
//   key side   scaled_c = k_c · k_k_c;  kk_c = scaled_c / max(‖scaled‖₂ over the head, L2_EPS)
//              k̃_c = k_c · (1 + (a_c − 1) · k_a_c);  α = −kk, β = kk ⊙ a
//   output     y_c = (y_c − mean) / sqrt(var + EPS) · ln_x.weight_c + ln_x.bias_c      (GroupNorm over the head)
//              out_c = (y_c + (Σ_head r ⊙ k̃ ⊙ r_k) · v_c) · g_c                        (bonus, output gate)
// The inputs are planes of one buffer, PLANE_STRIDE floats apart (src/gpu/step/scratch.ts), each [B, T, C]:
// r (PLANE_R), w (the decay factor), k (the raw key), v, a (the in-context learning rate), g (the output gate).

override PLANE_STRIDE: u32;
// The L2 norm's floor (F.normalize's 1e-12); the GroupNorm's ε is EPS of the head-norm snippet (64e-5 for v7).
const L2_EPS = 1e-12;

const PLANE_R = 0u;
const PLANE_W = 1u;
const PLANE_K = 2u;
const PLANE_V = 3u;
const PLANE_A = 4u;
const PLANE_G = 5u;

@group(0) @binding(1) var<storage, read_write> state: array<f32>;
@group(0) @binding(2) var<storage, read> planes: array<f32>;
@group(0) @binding(3) var<storage, read> k_k: array<f32>;
@group(0) @binding(4) var<storage, read> k_a: array<f32>;
@group(0) @binding(5) var<storage, read> r_k: array<f32>;
@group(0) @binding(6) var<storage, read> ln_weight: array<f32>;
@group(0) @binding(7) var<storage, read> ln_bias: array<f32>;
@group(0) @binding(8) var<storage, read_write> out: array<f32>;

// Element `index` ([B, T, C] position) of input plane `p`.
fn plane(p: u32, index: u32) -> f32 {
  return planes[p * PLANE_STRIDE + index];
}

// The adjusted key k̃ at `index` (channel c).
fn adjusted_key(index: u32, c: u32) -> f32 {
  return plane(PLANE_K, index) * (1.0 + (plane(PLANE_A, index) - 1.0) * k_a[c]);
}

// The time mix's output at `index` (channel c) from the head's GroupNorm statistics (head-norm) and the bonus.
fn gated_output(y: f32, stats: vec2<f32>, bonus: f32, index: u32, c: u32) -> f32 {
  return (group_norm(y, stats, c) + bonus * plane(PLANE_V, index)) * plane(PLANE_G, index);
}
