// WKV v5.1 / v5.2 / v6, chunk-parallel form for prefill: the same results as wkv5.wgsl (see its header for the
// recurrence S'[i][j] = S[i][j]·w_j + k_j·v_i, out_i = Σ_j r_j·(u_j·k_j·v_i + S[i][j])), computed per sub-chunk of
// n ≤ SUB_CHUNK tokens with matrix products instead of n dependent steps, with the same GroupNorm (and gate) after
// it. With S the state at the sub-chunk's start and g_j(t) = Σ_{m ≤ t} log w_j(m) (g_j(−1) = 0, see the wkv-chunk
// snippet), for tokens t, s of the sub-chunk:
//   P[t][s]  = Σ_j r_j(t)·k_j(s)·exp(g_j(t−1) − g_j(s))   (s < t)      intra-sub-chunk scores
//   P[t][t]  = Σ_j r_j(t)·u_j·k_j(t)                                    the bonus
//   out_i(t) = Σ_j r_j(t)·exp(g_j(t−1))·S[i][j] + Σ_{s ≤ t} P[t][s]·v_i(s)
//   S'[i][j] = S[i][j]·exp(g_j(n−1)) + Σ_s v_i(s)·k_j(s)·exp(g_j(n−1) − g_j(s))
// The dependent chain over a chunk of T tokens is ⌈T / SUB_CHUNK⌉ state updates instead of T steps.
//
// Phases per sub-chunk (workgroup barriers between): (1) invocation j loads channel j of r and k and accumulates
// g_j; (2) the invocations share out the (t, s ≤ t) scores; (3) invocation j scales its channel in place —
// r_j(t)·exp(g_j(t−1)), k_j(s)·exp(g_j(n−1) − g_j(s)), exp(g_j(n−1)); (4) invocation i computes out_i over the
// sub-chunk into the g tile (free by then), every invocation takes each token's GroupNorm statistics from that tile
// and writes its channel's output, and invocation i updates its state row S[i][·], kept in registers over the whole
// chunk as in wkv5.wgsl.
//
// Overrides: HEAD_SIZE (S, the workgroup size, 1 ≤ S ≤ 64), SUB_CHUNK (1 ≤ SUB_CHUNK ≤ 16; workgroup memory
// 4·(3·SUB_CHUNK·S + SUB_CHUNK² + 2·S) bytes), PARAMS_PER_HEAD, DECAY_LORA_WIDTH and WEIGHT_FORMAT … (v6),
// PLANE_STRIDE, GATED, EPS, ACTIVATION (as in wkv5.wgsl).
//
// Bindings (group 0), the same as wkv5.wgsl:
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
//!include wkv-chunk
//!include head-norm
//!include activation

//!include weights
//!include wkv5-bindings
//!include wkv5-decay

var<workgroup> tile_r: array<f32, SUB_CHUNK * HEAD_SIZE>;
var<workgroup> tile_k: array<f32, SUB_CHUNK * HEAD_SIZE>;
var<workgroup> tile_g: array<f32, SUB_CHUNK * HEAD_SIZE>;
var<workgroup> scores: array<f32, SUB_CHUNK * SUB_CHUNK>;
var<workgroup> shared_u: array<f32, HEAD_SIZE>;
var<workgroup> sub_chunk_decay: array<f32, HEAD_SIZE>;

// Output j of token t: phase 4 leaves the sub-chunk's WKV outputs in the g tile.
fn head_output(t: u32, j: u32) -> f32 {
  return tile_g[tile_index(t, j)];
}

// exp(g_j(t − 1)): the decay from the sub-chunk's start to token t.
fn decay_before(t: u32, j: u32) -> f32 {
  if (t == 0u) {
    return 1.0;
  }
  return exp(tile_g[tile_index(t - 1u, j)]);
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
  let head_start = h * HEAD_SIZE;
  let row_start = state_row_start(b, h, i);
  var row = load_state_row(row_start);
  shared_u[i] = time_first[head_param_index(h, i)];

  for (var t0 = 0u; t0 < params.tokens; t0 += SUB_CHUNK) {
    let n = min(SUB_CHUNK, params.tokens - t0);

    // (1) Channel i of r, k and g; this invocation's own v_i for the value side.
    var v_own: array<f32, MAX_SUB_CHUNK>;
    var g = 0.0;
    for (var t = 0u; t < n; t++) {
      let index = token_row(b, t0 + t) * channels + head_start + i;
      tile_r[tile_index(t, i)] = plane(PLANE_R, index);
      tile_k[tile_index(t, i)] = plane(PLANE_K, index);
      g += log_decay(channel_decay(h, i, token_row(b, t0 + t)));
      tile_g[tile_index(t, i)] = g;
      v_own[t] = plane(PLANE_V, index);
    }
    workgroupBarrier();

    // (2) Scores P[t][s] for s ≤ t, shared out over the invocations.
    for (var e = i; e < lower_pair_count(n); e += HEAD_SIZE) {
      let pair = lower_pair(e);
      let t = pair.x;
      let s = pair.y;
      var score = 0.0;
      if (s == t) {
        for (var j = 0u; j < HEAD_SIZE; j++) {
          score += tile_r[tile_index(t, j)] * shared_u[j] * tile_k[tile_index(t, j)];
        }
      } else {
        for (var j = 0u; j < HEAD_SIZE; j++) {
          let decay = exp(tile_g[tile_index(t - 1u, j)] - tile_g[tile_index(s, j)]);
          score += tile_r[tile_index(t, j)] * tile_k[tile_index(s, j)] * decay;
        }
      }
      scores[pair_index(t, s)] = score;
    }
    workgroupBarrier();

    // (3) Channel i scaled for the inter-sub-chunk products.
    for (var t = 0u; t < n; t++) {
      tile_r[tile_index(t, i)] *= decay_before(t, i);
      tile_k[tile_index(t, i)] *= exp(g - tile_g[tile_index(t, i)]);
    }
    sub_chunk_decay[i] = exp(g);
    workgroupBarrier();

    // (4) Row i: outputs, then the state at the sub-chunk's end.
    for (var t = 0u; t < n; t++) {
      var y = 0.0;
      for (var j = 0u; j < HEAD_SIZE; j++) {
        y += tile_r[tile_index(t, j)] * row[j];
      }
      for (var s = 0u; s <= t; s++) {
        y += scores[pair_index(t, s)] * v_own[s];
      }
      tile_g[tile_index(t, i)] = y;
    }
    workgroupBarrier();
    for (var t = 0u; t < n; t++) {
      let index = token_row(b, t0 + t) * channels + head_start + i;
      out[index] = gated_output(tile_g[tile_index(t, i)], head_mean_variance(t), index, head_start + i);
    }
    for (var j = 0u; j < HEAD_SIZE; j++) {
      var updated = row[j] * sub_chunk_decay[j];
      for (var s = 0u; s < n; s++) {
        updated += v_own[s] * tile_k[tile_index(s, j)];
      }
      row[j] = updated;
    }
    workgroupBarrier();
  }

  store_state_row(row_start, row);
}
