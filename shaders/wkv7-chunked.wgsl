// WKV v7, chunk-parallel form for prefill: the same results as wkv7.wgsl (see its header for the generalised delta
// rule S'[i][j] = S[i][j]·w_j + v_i·k̃_j + sa_i·β_j with sa_i = Σ_j α_j·S[i][j], y_i = Σ_j S'[i][j]·r_j, and the glue
// folded around it: kk, k̃, α, β from the raw key before, GroupNorm + bonus + gate after; the wkv7-bindings snippet),
// computed per sub-chunk of n ≤ SUB_CHUNK tokens with matrix products. With S the state at the sub-chunk's start,
// k the adjusted key k̃ and g_j(t) = Σ_{m ≤ t} log w_j(m) (g_j(−1) = 0, see the wkv-chunk snippet), write
// e1 = exp(g_j(t−1) − g_j(s)) and e2 = exp(g_j(t) − g_j(s)); the unknowns are u(t) = sa(t), the value-side vectors of
// the β writes:
//   Kα[t][s] = Σ_j α_j(t)·k_j(s)·e1,  Bα[t][s] = Σ_j α_j(t)·β_j(s)·e1   (s < t)
//   Kr[t][s] = Σ_j r_j(t)·k_j(s)·e2,  Br[t][s] = Σ_j r_j(t)·β_j(s)·e2   (s ≤ t)
//   x_i(t)   = Σ_j α_j(t)·exp(g_j(t−1))·S[i][j] + Σ_{s < t} Kα[t][s]·v_i(s)
//   u_i      = (I − Bα)⁻¹·x_i                                       (u_i(t) = x_i(t) + Σ_{s < t} Bα[t][s]·u_i(s))
//   y_i(t)   = Σ_j r_j(t)·exp(g_j(t))·S[i][j] + Σ_{s ≤ t} (Kr[t][s]·v_i(s) + Br[t][s]·u_i(s))
//   S'[i][j] = S[i][j]·exp(g_j(n−1)) + Σ_s (v_i(s)·k_j(s) + u_i(s)·β_j(s))·exp(g_j(n−1) − g_j(s))
// (I − Bα)⁻¹ depends only on the sub-chunk's inputs, not on the state, so the dependent chain over a chunk of T
// tokens is ⌈T / SUB_CHUNK⌉ state updates (each a fixed set of matrix products) instead of T steps.
//
// Phases per sub-chunk (workgroup barriers between): (0) invocation j puts channel j's (k·k_k)² and r·k̃·r_k of each
// token in the α and β tiles, and every invocation sums them per token (the L2 norms and the bonuses); (1) invocation
// j loads channel j of r, k̃, α, β and accumulates g_j; (2) the invocations share out the (t, s ≤ t) entries of the
// four score matrices; (3) invocation c solves columns c, c + S, … of (I − Bα)⁻¹ by forward substitution, and
// invocation j scales its channel in place — r·exp(g(t)), α·exp(g(t−1)), k and β by exp(g(n−1) − g(s)), exp(g(n−1));
// (4) invocation i computes x_i, u_i, y_i over the sub-chunk (y into the α tile, free by then), every invocation
// takes each token's GroupNorm statistics from that tile and writes its channel's output, and invocation i updates
// its state row S[i][·], kept in registers over the whole chunk as in wkv7.wgsl.
//
// Overrides: HEAD_SIZE (S, the workgroup size, 1 ≤ S ≤ 64), SUB_CHUNK (1 ≤ SUB_CHUNK ≤ 16; workgroup memory
// 4·(5·SUB_CHUNK·S + 5·SUB_CHUNK² + S) bytes), PLANE_STRIDE, CHANNELS, VALUE_RESIDUAL
// (wkv7-bindings), EPS (head-norm).
//
// Bindings (group 0), the same as wkv7.wgsl:
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
//!include wkv-chunk
//!include head-norm

//!include wkv7-bindings

var<workgroup> tile_r: array<f32, SUB_CHUNK * HEAD_SIZE>;
var<workgroup> tile_k: array<f32, SUB_CHUNK * HEAD_SIZE>;
var<workgroup> tile_alpha: array<f32, SUB_CHUNK * HEAD_SIZE>;
var<workgroup> tile_beta: array<f32, SUB_CHUNK * HEAD_SIZE>;
var<workgroup> tile_g: array<f32, SUB_CHUNK * HEAD_SIZE>;
var<workgroup> key_alpha: array<f32, SUB_CHUNK * SUB_CHUNK>;
var<workgroup> beta_alpha: array<f32, SUB_CHUNK * SUB_CHUNK>;
var<workgroup> key_r: array<f32, SUB_CHUNK * SUB_CHUNK>;
var<workgroup> beta_r: array<f32, SUB_CHUNK * SUB_CHUNK>;
var<workgroup> solve: array<f32, SUB_CHUNK * SUB_CHUNK>;
var<workgroup> sub_chunk_decay: array<f32, HEAD_SIZE>;

// Output j of token t: phase 4 leaves the sub-chunk's WKV outputs in the α tile.
fn head_output(t: u32, j: u32) -> f32 {
  return tile_alpha[tile_index(t, j)];
}

// g_j(t − 1), the log-decay from the sub-chunk's start to token t.
fn log_decay_before(t: u32, j: u32) -> f32 {
  if (t == 0u) {
    return 0.0;
  }
  return tile_g[tile_index(t - 1u, j)];
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
  let c = head_start + i;
  let row_start = state_row_start(b, h, i);
  var row = load_state_row(row_start);

  for (var t0 = 0u; t0 < params.tokens; t0 += SUB_CHUNK) {
    let n = min(SUB_CHUNK, params.tokens - t0);

    // (0) Per token: the head's ‖k·k_k‖ (floored) and bonus Σ r·k̃·r_k.
    for (var t = 0u; t < n; t++) {
      let index = token_row(b, t0 + t) * channels + c;
      let scaled = scaled_key(index, c);
      tile_alpha[tile_index(t, i)] = scaled * scaled;
      tile_beta[tile_index(t, i)] = bonus_term(index, c);
    }
    workgroupBarrier();
    var norms: array<f32, MAX_SUB_CHUNK>;
    var bonus: array<f32, MAX_SUB_CHUNK>;
    for (var t = 0u; t < n; t++) {
      var squares = 0.0;
      var products = 0.0;
      for (var j = 0u; j < HEAD_SIZE; j++) {
        squares += tile_alpha[tile_index(t, j)];
        products += tile_beta[tile_index(t, j)];
      }
      norms[t] = max(sqrt(squares), L2_EPS);
      bonus[t] = products;
    }
    workgroupBarrier();

    // (1) Channel i of r, k̃, α, β and g; this invocation's own v_i for the value side.
    var v_own: array<f32, MAX_SUB_CHUNK>;
    var g = 0.0;
    for (var t = 0u; t < n; t++) {
      let index = token_row(b, t0 + t) * channels + c;
      let kki = scaled_key(index, c) / norms[t];
      tile_r[tile_index(t, i)] = plane(PLANE_R, index);
      tile_k[tile_index(t, i)] = adjusted_key(index, c);
      tile_alpha[tile_index(t, i)] = -kki;
      tile_beta[tile_index(t, i)] = kki * learning_rate(index, c);
      g += log_decay(decay(index, c));
      tile_g[tile_index(t, i)] = g;
      v_own[t] = value(index, c);
    }
    workgroupBarrier();

    // (2) The four score matrices at (t, s ≤ t), shared out over the invocations.
    for (var e = i; e < lower_pair_count(n); e += HEAD_SIZE) {
      let pair = lower_pair(e);
      let t = pair.x;
      let s = pair.y;
      var ka = 0.0;
      var ba = 0.0;
      var kr = 0.0;
      var br = 0.0;
      for (var j = 0u; j < HEAD_SIZE; j++) {
        let gs = tile_g[tile_index(s, j)];
        let e1 = exp(log_decay_before(t, j) - gs);
        let e2 = exp(tile_g[tile_index(t, j)] - gs);
        let alpha_t = tile_alpha[tile_index(t, j)] * e1;
        let r_t = tile_r[tile_index(t, j)] * e2;
        let k_s = tile_k[tile_index(s, j)];
        let beta_s = tile_beta[tile_index(s, j)];
        ka += alpha_t * k_s;
        ba += alpha_t * beta_s;
        kr += r_t * k_s;
        br += r_t * beta_s;
      }
      key_alpha[pair_index(t, s)] = ka;
      beta_alpha[pair_index(t, s)] = ba;
      key_r[pair_index(t, s)] = kr;
      beta_r[pair_index(t, s)] = br;
    }
    workgroupBarrier();

    // (3) Columns i, i + S, … of (I − Bα)⁻¹ (Bα strictly lower: a unit lower triangular inverse), channel i scaled.
    for (var column = i; column < n; column += HEAD_SIZE) {
      solve[pair_index(column, column)] = 1.0;
      for (var t = column + 1u; t < n; t++) {
        var sum = 0.0;
        for (var m = column; m < t; m++) {
          sum += beta_alpha[pair_index(t, m)] * solve[pair_index(m, column)];
        }
        solve[pair_index(t, column)] = sum;
      }
    }
    for (var t = 0u; t < n; t++) {
      let to_end = exp(g - tile_g[tile_index(t, i)]);
      tile_alpha[tile_index(t, i)] *= exp(log_decay_before(t, i));
      tile_r[tile_index(t, i)] *= exp(tile_g[tile_index(t, i)]);
      tile_k[tile_index(t, i)] *= to_end;
      tile_beta[tile_index(t, i)] *= to_end;
    }
    sub_chunk_decay[i] = exp(g);
    workgroupBarrier();

    // (4) Row i: x, then u = (I − Bα)⁻¹·x, outputs, and the state at the sub-chunk's end.
    var x: array<f32, MAX_SUB_CHUNK>;
    for (var t = 0u; t < n; t++) {
      var sum = 0.0;
      for (var j = 0u; j < HEAD_SIZE; j++) {
        sum += tile_alpha[tile_index(t, j)] * row[j];
      }
      for (var s = 0u; s < t; s++) {
        sum += key_alpha[pair_index(t, s)] * v_own[s];
      }
      x[t] = sum;
    }
    workgroupBarrier();
    var u: array<f32, MAX_SUB_CHUNK>;
    for (var t = 0u; t < n; t++) {
      var sum = 0.0;
      for (var s = 0u; s <= t; s++) {
        sum += solve[pair_index(t, s)] * x[s];
      }
      u[t] = sum;
    }
    for (var t = 0u; t < n; t++) {
      var y = 0.0;
      for (var j = 0u; j < HEAD_SIZE; j++) {
        y += tile_r[tile_index(t, j)] * row[j];
      }
      for (var s = 0u; s <= t; s++) {
        y += key_r[pair_index(t, s)] * v_own[s] + beta_r[pair_index(t, s)] * u[s];
      }
      tile_alpha[tile_index(t, i)] = y;
    }
    workgroupBarrier();
    for (var t = 0u; t < n; t++) {
      let index = token_row(b, t0 + t) * channels + c;
      write_output(tile_alpha[tile_index(t, i)], head_mean_variance(t), bonus[t], index, c);
    }
    for (var j = 0u; j < HEAD_SIZE; j++) {
      var updated = row[j] * sub_chunk_decay[j];
      for (var s = 0u; s < n; s++) {
        updated += v_own[s] * tile_k[tile_index(s, j)] + u[s] * tile_beta[tile_index(s, j)];
      }
      row[j] = updated;
    }
    workgroupBarrier();
  }

  store_state_row(row_start, row);
}
