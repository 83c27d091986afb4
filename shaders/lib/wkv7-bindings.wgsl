// Shared snippet (included with `//!include wkv7-bindings`, after `head-norm`): the storage bindings of the v7 WKV
// kernels (wkv7.wgsl, wkv7-chunked.wgsl), declared once so that both forms take the same bind group (binding 0 is the
// step-params uniform), and the per-head glue both forms fold around the recurrence, for channel c of head h at one
// token:
//   decay      w_c = exp(−e^−½ · σ(w0_c + z_c)),  z the decay LoRA's output W2·tanh(W1·x_w)
//   key side   scaled_c = k_c · k_k_c;  kk_c = scaled_c / max(‖scaled‖₂ over the head, L2_EPS)
//              k̃_c = k_c · (1 + (a_c − 1) · k_a_c);  α = −kk, β = kk ⊙ a
//   output     y_c = GroupNorm over the head (head-norm, ln_x)
//              out_c = (y_c + (Σ_head r ⊙ k̃ ⊙ r_k) · v_c) · g_c                        (bonus, output gate)
// The inputs and the output are planes of one buffer, PLANE_STRIDE floats apart (src/gpu/step/scratch.ts), each
// [B, T, C]: r, z (PLANE_W), k (the raw key), v, a (the in-context learning rate), g (the output gate), out.

override PLANE_STRIDE: u32;
// The L2 norm's floor (F.normalize's 1e-12); the GroupNorm's ε is EPS of the head-norm snippet (64e-5 for v7).
const L2_EPS = 1e-12;

const PLANE_R = 0u;
const PLANE_W = 1u;
const PLANE_K = 2u;
const PLANE_V = 3u;
const PLANE_A = 4u;
const PLANE_G = 5u;
const PLANE_OUT = 6u;
// e^−½: exp(−e^−½·σ(z)) is the official exp(−exp(−softplus(−z) − ½)).
const DECAY_SCALE = 0.6065306597126334;

@group(0) @binding(1) var<storage, read_write> state: array<f32>;
@group(0) @binding(2) var<storage, read_write> planes: array<f32>;
@group(0) @binding(3) var<storage, read> k_k: array<f32>;
@group(0) @binding(4) var<storage, read> k_a: array<f32>;
@group(0) @binding(5) var<storage, read> r_k: array<f32>;
@group(0) @binding(6) var<storage, read> ln_weight: array<f32>;
@group(0) @binding(7) var<storage, read> ln_bias: array<f32>;
@group(0) @binding(8) var<storage, read> w0: array<f32>;

// Element `index` ([B, T, C] position) of input plane `p`.
fn plane(p: u32, index: u32) -> f32 {
  return planes[p * PLANE_STRIDE + index];
}

// The decay factor w at `index` (channel c).
fn decay(index: u32, c: u32) -> f32 {
  return exp(-DECAY_SCALE / (1.0 + exp(-(w0[c] + plane(PLANE_W, index)))));
}

// The adjusted key k̃ at `index` (channel c).
fn adjusted_key(index: u32, c: u32) -> f32 {
  return plane(PLANE_K, index) * (1.0 + (plane(PLANE_A, index) - 1.0) * k_a[c]);
}

// Writes the time mix's output at `index` (channel c) from the head's GroupNorm statistics (head-norm) and the bonus.
fn write_output(y: f32, stats: vec2<f32>, bonus: f32, index: u32, c: u32) {
  let gated = (group_norm(y, stats, c) + bonus * plane(PLANE_V, index)) * plane(PLANE_G, index);
  planes[PLANE_OUT * PLANE_STRIDE + index] = gated;
}
