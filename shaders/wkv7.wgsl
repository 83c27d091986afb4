// WKV v7: the generalised delta rule over the multi-head matrix state, over a chunk of T tokens for a batch of B
// sessions.
//
// Per head h, with the state S[i][j] (i = value index, j = key index), α = −kk and β = kk·a:
//   sa_i     = Σ_j α_j · S[i][j]
//   S'[i][j] = S[i][j] · w_j + v_i · k_j + sa_i · β_j
//   out_i    = Σ_j S'[i][j] · r_j
// w is the decay factor exp(−0.606531·sigmoid(·)) computed upstream, kk the per-head L2-normalised k·k_k, a the
// in-context learning rate sigmoid(·), k the adjusted key.
//
// State (src/model/state.ts, v5+): the H × S × S matrices, element h·S·S + i·S + j after the float offset
// state_offsets[b] of batch element b. Each invocation keeps its row S[i][·] in registers over the T tokens and
// writes it back once. Tokens are laid out [B, T, C] with C = H·S: element (b·T + t)·C + h·S + j.
//
// Override HEAD_SIZE: S, the workgroup size (1 ≤ S ≤ 64).
//
// Bindings (group 0):
//   0 uniform Params: tokens T (offset 0), state_offsets (16): B offsets, 4 per vec4 (B ≤ 256)
//   1 storage read_write state  array<f32>
//   2 storage read       r  [B, T, C]
//   3 storage read       w  [B, T, C]
//   4 storage read       k  [B, T, C]
//   5 storage read       v  [B, T, C]
//   6 storage read       kk [B, T, C]
//   7 storage read       a  [B, T, C]
//   8 storage read_write out [B, T, C]
// Entry point `main`, workgroup size HEAD_SIZE; dispatch (H, B, 1).

override HEAD_SIZE: u32 = 64;

//!include step-params
//!include head-state

//!include wkv7-bindings

var<workgroup> shared_r: array<f32, HEAD_SIZE>;
var<workgroup> shared_w: array<f32, HEAD_SIZE>;
var<workgroup> shared_k: array<f32, HEAD_SIZE>;
var<workgroup> shared_alpha: array<f32, HEAD_SIZE>;
var<workgroup> shared_beta: array<f32, HEAD_SIZE>;

@compute @workgroup_size(HEAD_SIZE)
fn main(
  @builtin(workgroup_id) group: vec3<u32>,
  @builtin(local_invocation_index) i: u32,
  @builtin(num_workgroups) groups: vec3<u32>,
) {
  let h = group.x;
  let b = group.y;
  let channels = groups.x * HEAD_SIZE;
  let row_start = state_row_start(b, h, i);
  var row = load_state_row(row_start);

  for (var t = 0u; t < params.tokens; t++) {
    let index = token_row(b, t) * channels + h * HEAD_SIZE + i;
    shared_r[i] = r[index];
    shared_w[i] = w[index];
    shared_k[i] = k[index];
    let kki = kk[index];
    shared_alpha[i] = -kki;
    shared_beta[i] = kki * a[index];
    let vi = v[index];
    workgroupBarrier();

    var sa = 0.0;
    for (var j = 0u; j < HEAD_SIZE; j++) {
      sa += shared_alpha[j] * row[j];
    }
    var y = 0.0;
    for (var j = 0u; j < HEAD_SIZE; j++) {
      row[j] = row[j] * shared_w[j] + vi * shared_k[j] + sa * shared_beta[j];
      y += row[j] * shared_r[j];
    }
    out[index] = y;
    workgroupBarrier();
  }

  store_state_row(row_start, row);
}
