// Shared snippet (included with `//!include wkv7-bindings`, after `head-norm`): the storage bindings of the v7 WKV
// kernels (wkv7.wgsl, wkv7-chunked.wgsl), declared once so that both forms take the same bind group (binding 0 is the
// step-params uniform), and the per-head glue both forms fold around the recurrence, for channel c of head h at one
// token:
//   decay      w_c = exp(−e^−½ · σ(w0_c + z_c)),  z the decay LoRA's output W2·tanh(W1·x_w)
//   learning   a_c = σ(a0_c + a'_c),  a' the in-context learning rate LoRA's output A2·(A1·x_a)
//   value      v_c = v'_c + (v_first_c − v'_c) · σ(v0_c + u_c) when VALUE_RESIDUAL (layers after the first), else
//              v'_c; v' the value Wv·x_v, u the value LoRA's output V2·(V1·x_v), v_first layer 0's v'
//   key side   scaled_c = k_c · k_k_c;  kk_c = scaled_c / max(‖scaled‖₂ over the head, L2_EPS)
//              k̃_c = k_c · (1 + (a_c − 1) · k_a_c);  α = −kk, β = kk ⊙ a
//   output     y_c = GroupNorm over the head (head-norm, ln_x)
//              out_c = (y_c + (Σ_head r ⊙ k̃ ⊙ r_k) · v_c) · g_c                        (bonus, output gate)
// The inputs and the output are planes of one buffer, PLANE_STRIDE floats apart (src/gpu/step/scratch.ts), each
// [B, T, C]: r, z (PLANE_W), k (the raw key), v', a', g (the output gate), out, u (PLANE_V_LORA). The per-channel
// vectors are the rows of one [8, C] binding (VECTOR_*); v_first is plane PLANE_V of the binding `value_first`
// (layer 0's planes; any buffer but the planes' own when not VALUE_RESIDUAL).

override PLANE_STRIDE: u32;
override CHANNELS: u32;
override VALUE_RESIDUAL: bool = false;
// The L2 norm's floor (F.normalize's 1e-12); the GroupNorm's ε is EPS of the head-norm snippet (64e-5 for v7).
const L2_EPS = 1e-12;

const PLANE_R = 0u;
const PLANE_W = 1u;
const PLANE_K = 2u;
const PLANE_V = 3u;
const PLANE_A = 4u;
const PLANE_G = 5u;
const PLANE_OUT = 6u;
const PLANE_V_LORA = 7u;
const VECTOR_K_K = 0u;
const VECTOR_K_A = 1u;
const VECTOR_R_K = 2u;
const VECTOR_LN_WEIGHT = 3u;
const VECTOR_LN_BIAS = 4u;
const VECTOR_W0 = 5u;
const VECTOR_A0 = 6u;
const VECTOR_V0 = 7u;
// e^−½: exp(−e^−½·σ(z)) is the official exp(−exp(−softplus(−z) − ½)).
const DECAY_SCALE = 0.6065306597126334;

@group(0) @binding(1) var<storage, read_write> state: array<f32>;
@group(0) @binding(2) var<storage, read_write> planes: array<f32>;
@group(0) @binding(3) var<storage, read> vectors: array<f32>;
@group(0) @binding(4) var<storage, read> value_first: array<f32>;

// Element `index` ([B, T, C] position) of input plane `p`.
fn plane(p: u32, index: u32) -> f32 {
  return planes[p * PLANE_STRIDE + index];
}

// Channel c of the per-channel vector `row` (VECTOR_*).
fn vector(row: u32, c: u32) -> f32 {
  return vectors[row * CHANNELS + c];
}

fn norm_weight(c: u32) -> f32 {
  return vector(VECTOR_LN_WEIGHT, c);
}

fn norm_bias(c: u32) -> f32 {
  return vector(VECTOR_LN_BIAS, c);
}

fn sigmoid(x: f32) -> f32 {
  return 1.0 / (1.0 + exp(-x));
}

// The decay factor w at `index` (channel c).
fn decay(index: u32, c: u32) -> f32 {
  return exp(-DECAY_SCALE * sigmoid(vector(VECTOR_W0, c) + plane(PLANE_W, index)));
}

// The in-context learning rate a at `index` (channel c).
fn learning_rate(index: u32, c: u32) -> f32 {
  return sigmoid(vector(VECTOR_A0, c) + plane(PLANE_A, index));
}

// The value v at `index` (channel c), with the value residual after the first layer.
fn value(index: u32, c: u32) -> f32 {
  let own = plane(PLANE_V, index);
  if (!VALUE_RESIDUAL) {
    return own;
  }
  let first = value_first[PLANE_V * PLANE_STRIDE + index];
  return own + (first - own) * sigmoid(vector(VECTOR_V0, c) + plane(PLANE_V_LORA, index));
}

// k·k_k at `index` (channel c), before the head's L2 norm.
fn scaled_key(index: u32, c: u32) -> f32 {
  return plane(PLANE_K, index) * vector(VECTOR_K_K, c);
}

// The adjusted key k̃ at `index` (channel c).
fn adjusted_key(index: u32, c: u32) -> f32 {
  return plane(PLANE_K, index) * (1.0 + (learning_rate(index, c) - 1.0) * vector(VECTOR_K_A, c));
}

// r·k̃·r_k at `index` (channel c): the bonus's terms.
fn bonus_term(index: u32, c: u32) -> f32 {
  return plane(PLANE_R, index) * adjusted_key(index, c) * vector(VECTOR_R_K, c);
}

// Writes the time mix's output at `index` (channel c) from the head's GroupNorm statistics (head-norm) and the bonus.
fn write_output(y: f32, stats: vec2<f32>, bonus: f32, index: u32, c: u32) {
  let gated = (group_norm(y, stats, c) + bonus * value(index, c)) * plane(PLANE_G, index);
  planes[PLANE_OUT * PLANE_STRIDE + index] = gated;
}
