// WKV v7: the generalised delta rule over the multi-head matrix state, over a chunk of T tokens for a batch of B
// sessions, with its per-head glue folded in (the key side before the recurrence, GroupNorm + bonus + gate after:
// see the wkv7-bindings snippet).
//
// Per head h, with the state S[i][j] (i = value index, j = key index), α = −kk and β = kk·a:
//   sa_i     = Σ_j α_j · S[i][j]
//   S'[i][j] = S[i][j] · w_j + v_i · k̃_j + sa_i · β_j
//   y_i      = Σ_j S'[i][j] · r_j
//   out_i    = (GroupNorm_head(y)_i + (Σ_j r_j·k̃_j·r_k_j) · v_i) · g_i
// w is the decay factor exp(−e^−½·σ(w0 + z)), kk the per-head L2-normalised k·k_k, a the in-context
// learning rate σ(·), k̃ the adjusted key.
//
// State (src/model/state.ts, v5+): the H × S × S matrices, element h·S·S + i·S + j after the float offset
// state_offsets[b] of batch element b. Each invocation keeps its row S[i][·] in registers over the T tokens and
// writes it back once. Tokens are laid out [B, T, C] with C = H·S: element (b·T + t)·C + h·S + j. Per token, the
// head's sums (‖k·k_k‖², the bonus, the GroupNorm mean and variance) are serial passes over workgroup memory, five
// workgroup barriers in all.
//
// Override HEAD_SIZE: S, the workgroup size (1 ≤ S ≤ 64); PLANE_STRIDE, CHANNELS, VALUE_RESIDUAL
// (wkv7-bindings), EPS (head-norm).
//
// Bindings (group 0):
//   0 uniform Params: tokens T (offset 0), state_offsets (16): B offsets, 4 per vec4 (B ≤ 256)
//   1 storage read_write state     array<f32>
//   2 storage read_write planes    [8, PLANE_STRIDE]: r, z (decay LoRA), k, v', a' (learning rate LoRA), g, each
//                                  [B, T, C], read; out [B, T, C], written; u (value LoRA) [B, T, C], read when
//                                  VALUE_RESIDUAL
//   3 storage read       vectors   [8, C]: k_k, k_a, r_k, ln_x.weight, ln_x.bias, w0, a0, v0
//   4 storage read       value_first  layer 0's planes (its v' is v_first), read when VALUE_RESIDUAL
// Entry point `main`, workgroup size HEAD_SIZE; dispatch (H, B, 1).

override HEAD_SIZE: u32 = 64;

//!include step-params
//!include head-state
//!include head-norm

//!include wkv7-bindings

var<workgroup> shared_r: array<f32, HEAD_SIZE>;
var<workgroup> shared_w: array<f32, HEAD_SIZE>;
var<workgroup> shared_k: array<f32, HEAD_SIZE>;
var<workgroup> shared_alpha: array<f32, HEAD_SIZE>;
var<workgroup> shared_beta: array<f32, HEAD_SIZE>;
var<workgroup> shared_y: array<f32, HEAD_SIZE>;

fn head_output(t: u32, j: u32) -> f32 {
  return shared_y[j];
}

fn sum_alpha() -> f32 {
  var sum = 0.0;
  for (var j = 0u; j < HEAD_SIZE; j++) {
    sum += shared_alpha[j];
  }
  return sum;
}

fn sum_beta() -> f32 {
  var sum = 0.0;
  for (var j = 0u; j < HEAD_SIZE; j++) {
    sum += shared_beta[j];
  }
  return sum;
}

@compute @workgroup_size(HEAD_SIZE)
fn main(
  @builtin(workgroup_id) group: vec3<u32>,
  @builtin(local_invocation_index) i: u32,
  @builtin(num_workgroups) groups: vec3<u32>,
) {
  let h = group.x;
  let b = group.y;
  let channels = groups.x * HEAD_SIZE;
  let c = h * HEAD_SIZE + i;
  let row_start = state_row_start(b, h, i);
  var row = load_state_row(row_start);

  for (var t = 0u; t < params.tokens; t++) {
    let index = token_row(b, t) * channels + c;
    // The key side: ‖k·k_k‖² and the bonus's products go through shared_alpha / shared_beta first.
    let r_i = plane(PLANE_R, index);
    let a_i = learning_rate(index, c);
    let scaled = scaled_key(index, c);
    let k_i = adjusted_key(index, c);
    let v_i = value(index, c);
    shared_r[i] = r_i;
    shared_w[i] = decay(index, c);
    shared_k[i] = k_i;
    shared_alpha[i] = scaled * scaled;
    shared_beta[i] = bonus_term(index, c);
    workgroupBarrier();
    let kk_i = scaled / max(sqrt(sum_alpha()), L2_EPS);
    let bonus = sum_beta();
    workgroupBarrier();
    shared_alpha[i] = -kk_i;
    shared_beta[i] = kk_i * a_i;
    workgroupBarrier();

    var sa = 0.0;
    for (var j = 0u; j < HEAD_SIZE; j++) {
      sa += shared_alpha[j] * row[j];
    }
    var y = 0.0;
    for (var j = 0u; j < HEAD_SIZE; j++) {
      row[j] = row[j] * shared_w[j] + v_i * shared_k[j] + sa * shared_beta[j];
      y += row[j] * shared_r[j];
    }
    shared_y[i] = y;
    workgroupBarrier();
    write_output(y, head_mean_variance(0u), bonus, index, c);
    workgroupBarrier();
  }

  store_state_row(row_start, row);
}
