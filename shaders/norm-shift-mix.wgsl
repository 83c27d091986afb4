// LayerNorm, token shift and token-shift mixes of a block's input in one pass, for B sequences of T tokens
// (x [B, T, C], C = CHANNELS):
//   u[b][t]    = LayerNorm(x[b][t]; weight, bias), EPS 1e-5        (mean, then biased variance about the mean)
//   prev[b][t] = u[b][t − 1] (recomputed from x) for t > 0, state[state_offset(b) + c] for t = 0
//   entry `mixes`:  out[p][b][t][c] = u + (prev − u) · mix[p][c]    for p < MIXES (v7: the six mixes of att.x_rwkvag,
//                                                                  a channel mix's x_k; v6's channel mix: time_maa_k, _r)
//                   or, LERP, u · mix[p][c] + prev · (1 − mix[p][c])   (v4 / v5: time_mix_k, _v, _r)
//                   mix[p] is row p of the stacked mix_weights, or (SEPARATE, MIXES ≤ 3) the whole binding 6 + p
//   entry `shift`:  out[0][b][t] = u,  out[1][b][t] = prev          (for layers that mix them themselves)
//   save:           state[state_offset(b) + c] = u[b][T − 1][c]    (the state's att_x / ffn_x: the normed last token)
// The save is made by the workgroup of token 0, after that workgroup has read the old state (each channel by the same
// invocation), so no other workgroup races with it. Planes of `out` lie PLANE_STRIDE floats apart, a multiple of 64,
// so that each plane can be bound on its own (256-byte offset alignment).
//
// Bindings (group 0):
//   0 uniform            params  { tokens T, state offsets } (step-params)
//   1 storage read       x       [B·T, C] f32
//   2 storage read       weight  [C]
//   3 storage read       bias    [C]
//   4 storage read_write state   f32, C floats at each state_offset(b)
//   5 storage read_write out     [planes, PLANE_STRIDE] f32
//   6 storage read       mix_weights [MIXES, C], or [C] when SEPARATE   (entry `mixes` only, as 7 and 8)
//   7 storage read       mix_weights_1 [C]  (SEPARATE: the second mix; else any buffer, unread)
//   8 storage read       mix_weights_2 [C]  (SEPARATE: the third mix; else any buffer, unread)
// Entry points `mixes` and `shift`, workgroup size 64; dispatch (T, B, 1): one workgroup per token, two workgroup
// reductions per normalised row (the token's, its predecessor's when t > 0, and token T − 1's for the save when t = 0).

override CHANNELS: u32;
override PLANE_STRIDE: u32;
override MIXES: u32 = 1u;
override SEPARATE: bool = false;
override LERP: bool = false;
override EPS: f32 = 1e-5;

const WORKGROUP_SIZE = 64u;

//!include step-params

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> state: array<f32>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;
@group(0) @binding(6) var<storage, read> mix_weights: array<f32>;
@group(0) @binding(7) var<storage, read> mix_weights_1: array<f32>;
@group(0) @binding(8) var<storage, read> mix_weights_2: array<f32>;

//!include workgroup-sum

// (mean, 1 / sqrt(variance + EPS)) of activation row `row`.
fn row_statistics(row: u32, lane: u32) -> vec2<f32> {
  let base = row * CHANNELS;
  var sum = 0.0;
  for (var c = lane; c < CHANNELS; c += WORKGROUP_SIZE) {
    sum += x[base + c];
  }
  let mean = workgroup_sum(sum, lane) / f32(CHANNELS);
  var squares = 0.0;
  for (var c = lane; c < CHANNELS; c += WORKGROUP_SIZE) {
    let d = x[base + c] - mean;
    squares += d * d;
  }
  return vec2<f32>(mean, inverseSqrt(workgroup_sum(squares, lane) / f32(CHANNELS) + EPS));
}

fn normed(row: u32, statistics: vec2<f32>, c: u32) -> f32 {
  return (x[row * CHANNELS + c] - statistics.x) * statistics.y * weight[c] + bias[c];
}

struct Token {
  b: u32,
  t: u32,
  row: u32,
  current: vec2<f32>,
  previous: vec2<f32>,
  last: vec2<f32>,
}

// The token of this workgroup and the statistics of the rows it normalises (all workgroup-uniform).
fn token_of(workgroup: vec3<u32>, lane: u32) -> Token {
  let b = workgroup.y;
  let t = workgroup.x;
  let row = token_row(b, t);
  var token = Token(b, t, row, row_statistics(row, lane), vec2<f32>(), vec2<f32>());
  if (t > 0u) {
    token.previous = row_statistics(row - 1u, lane);
  }
  if (t == 0u && params.tokens > 1u) {
    token.last = row_statistics(token_row(b, params.tokens - 1u), lane);
  } else {
    token.last = token.current;
  }
  return token;
}

fn previous_value(token: Token, c: u32) -> f32 {
  if (token.t == 0u) {
    return state[state_offset(token.b) + c];
  }
  return normed(token.row - 1u, token.previous, c);
}

fn save(token: Token, c: u32) {
  if (token.t == 0u) {
    state[state_offset(token.b) + c] = normed(token_row(token.b, params.tokens - 1u), token.last, c);
  }
}

// Mix p's weight for channel c.
fn mix_weight(p: u32, c: u32) -> f32 {
  if (!SEPARATE) {
    return mix_weights[p * CHANNELS + c];
  }
  if (p == 0u) {
    return mix_weights[c];
  }
  return select(mix_weights_2[c], mix_weights_1[c], p == 1u);
}

// Mix p of the normed row u and its previous row.
fn mixed(u: f32, previous: f32, p: u32, c: u32) -> f32 {
  let m = mix_weight(p, c);
  if (LERP) {
    return u * m + previous * (1.0 - m);
  }
  return u + (previous - u) * m;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn mixes(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
  let token = token_of(workgroup, lane);
  for (var c = lane; c < CHANNELS; c += WORKGROUP_SIZE) {
    let u = normed(token.row, token.current, c);
    let previous = previous_value(token, c);
    for (var p = 0u; p < MIXES; p++) {
      out[p * PLANE_STRIDE + token.row * CHANNELS + c] = mixed(u, previous, p, c);
    }
    save(token, c);
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn shift(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
  let token = token_of(workgroup, lane);
  for (var c = lane; c < CHANNELS; c += WORKGROUP_SIZE) {
    out[token.row * CHANNELS + c] = normed(token.row, token.current, c);
    out[PLANE_STRIDE + token.row * CHANNELS + c] = previous_value(token, c);
    save(token, c);
  }
}
