// LayerNorm, token shift and token-shift mixes of a block's input in one pass, for B sequences of T tokens
// (x [B, T, C], C = CHANNELS):
//   u[b][t]    = LayerNorm(x[b][t]; weight, bias), EPS 1e-5        (mean, then biased variance about the mean)
//   prev[b][t] = u[b][t − 1] (recomputed from x) for t > 0, state[state_offset(b) + c] for t = 0
//   mixes:     out[N0 + p][b][t][c] = u + (prev − u) · mix[p][c]        for p < MIXES, mix = the stacked mix_weights
//              or, LERP, u · mix[p][c] + prev · (1 − mix[p][c])         (v4 / v5's time_mix_*)
//              (v7: the six of att.x_rwkvag, a channel mix's x_k; v4–v6: the time_mix_* / time_maa_* vectors of a time
//              or channel mix, stacked on the GPU; v6's time mix: time_maa_x)
//   NORMED:    out[0][b][t] = u, out[1][b][t] = prev, and N0 = 2       (v6: its data-dependent mixes read them);
//              else N0 = 0
//   save:      state[state_offset(b) + c] = u[b][T − 1][c]    (the state's att_x / ffn_x: the normed last token)
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
//   5 storage read_write out     [N0 + MIXES planes, PLANE_STRIDE] f32
//   6 storage read       mix_weights [MIXES, C]
// Entry point `main`, workgroup size 64; dispatch (T, B, 1): one workgroup per token, two workgroup reductions per
// normalised row (the token's, its predecessor's when t > 0, and token T − 1's for the save when t = 0).

override CHANNELS: u32;
override PLANE_STRIDE: u32;
override MIXES: u32;
override LERP: bool = false;
override NORMED: bool = false;
override EPS: f32 = 1e-5;

const WORKGROUP_SIZE = 64u;

//!include step-params

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> state: array<f32>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;
@group(0) @binding(6) var<storage, read> mix_weights: array<f32>;

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

// Mix p of the normed row u and its previous row.
fn mixed(u: f32, previous: f32, p: u32, c: u32) -> f32 {
  let m = mix_weights[p * CHANNELS + c];
  if (LERP) {
    return u * m + previous * (1.0 - m);
  }
  return u + (previous - u) * m;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
  let token = token_of(workgroup, lane);
  let first_mix = select(0u, 2u, NORMED);
  for (var c = lane; c < CHANNELS; c += WORKGROUP_SIZE) {
    let index = token.row * CHANNELS + c;
    let u = normed(token.row, token.current, c);
    let previous = previous_value(token, c);
    if (NORMED) {
      out[index] = u;
      out[PLANE_STRIDE + index] = previous;
    }
    for (var p = 0u; p < MIXES; p++) {
      out[(first_mix + p) * PLANE_STRIDE + index] = mixed(u, previous, p, c);
    }
    save(token, c);
  }
}
