// WKV v5.1 / v5.2 / v6: the multi-head matrix-state recurrence, over a chunk of T tokens for a batch of B sessions,
// with the GroupNorm ln_x and (v5.2, v6) the SiLU output gate folded in after it (the wkv5-bindings snippet).
//
// Per head h, with the state S[i][j] (i = value index, j = key index), bonus u_j and decay w_j:
//   out_i   = Σ_j r_j · (u_j · k_j · v_i + S[i][j])
//   S'[i][j] = S[i][j] · w_j + k_j · v_i
// u and w are already transformed (v5.1: u = exp(u_pth), w = exp(−exp(w_pth)); v5.2: w = exp(−exp(w_pth)), u as
// stored), except v6's per-token w = exp(−exp(time_decay + Wd2·hidden)), its decay LoRA's second half computed here
// (the wkv5-decay snippet, or wkv5-decay-lora for v6).
//
// State (src/model/state.ts, v5+): the H × S × S matrices, element h·S·S + i·S + j after the float offset
// state_offsets[b] of batch element b. Each invocation keeps its row S[i][·] in registers over the T tokens and
// writes it back once. Tokens are laid out [B, T, C] with C = H·S: element (b·T + t)·C + h·S + j.
//
// Overrides:
//   HEAD_SIZE        S, the workgroup size (1 ≤ S ≤ 64)
//   PARAMS_PER_HEAD  true for v5.1: time_first and time_decay hold one value per head [H]; else one per channel [H, S]
//   DECAY_LORA_WIDTH v6 (wkv5-decay-lora): D, the decay LoRA's hidden width; WEIGHT_FORMAT … (weights): Wd2's format
//   PLANE_STRIDE, GATED (wkv5-bindings), EPS (head-norm), ACTIVATION (SiLU when GATED)
//
// Bindings (group 0):
//   0 uniform Params: tokens T (offset 0), state_offsets (16): B offsets, 4 per vec4 (B ≤ 256)
//   1 storage read_write state  array<f32>
//   2 storage read       time_first u: [H] or [H, S]
//   3 storage read       time_decay w: [H] or [H, S]; v6: the bias of its decay [C]
//   4 storage read       planes [3, 4 or 5, PLANE_STRIDE]: r, k, v (, g when GATED), each [B, T, C] (v6: then its
//                        decay LoRA's hidden tanh(Wd1·x_w) [B, T, D])
//   5 storage read       ln_x.weight [C]
//   6 storage read       ln_x.bias [C]
//   7 storage read_write out [B, T, C]: the GroupNorm-ed (and gated) output
//   8 storage read       v6: Wd2 = time_decay_w2 [C, D] in the GPU matrix layout (unused by v5.x)
// Entry point `main`, workgroup size HEAD_SIZE; dispatch (H, B, 1).

override HEAD_SIZE: u32 = 64;
override PARAMS_PER_HEAD: bool = false;

//!include step-params
//!include head-state
//!include head-norm
//!include activation

//!include weights
//!include wkv5-bindings
//!include wkv5-decay

var<workgroup> shared_r: array<f32, HEAD_SIZE>;
var<workgroup> shared_k: array<f32, HEAD_SIZE>;
var<workgroup> shared_w: array<f32, HEAD_SIZE>;
var<workgroup> shared_u: array<f32, HEAD_SIZE>;
var<workgroup> shared_y: array<f32, HEAD_SIZE>;

fn head_output(t: u32, j: u32) -> f32 {
  return shared_y[j];
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
  shared_u[i] = time_first[head_param_index(h, i)];

  for (var t = 0u; t < params.tokens; t++) {
    let token = token_row(b, t);
    let index = token * channels + c;
    shared_r[i] = plane(PLANE_R, index);
    shared_k[i] = plane(PLANE_K, index);
    shared_w[i] = channel_decay(h, i, token);
    let vi = plane(PLANE_V, index);
    workgroupBarrier();

    var y = 0.0;
    for (var j = 0u; j < HEAD_SIZE; j++) {
      let kv = shared_k[j] * vi;
      y += shared_r[j] * (shared_u[j] * kv + row[j]);
      row[j] = row[j] * shared_w[j] + kv;
    }
    shared_y[i] = y;
    workgroupBarrier();
    out[index] = gated_output(y, head_mean_variance(0u), index, c);
    workgroupBarrier();
  }

  store_state_row(row_start, row);
}
