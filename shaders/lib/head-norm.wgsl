// Shared snippet (included with `//!include head-norm`): the per-head GroupNorm (ln_x of v5+) that the matrix-state
// WKV kernels fold in after the recurrence, for one token of head h:
//   y_c ← (y_c − mean) / sqrt(var + EPS) · ln_x.weight_c + ln_x.bias_c,  mean and (biased) variance over the head.
// The including kernel defines `fn norm_weight(c)` / `fn norm_bias(c)` (ln_x's weight and bias of channel c) and
// `fn head_output(t, j)`: the
// head's WKV output j of token t (of the tokens it holds) in workgroup memory, visible to every invocation.

override EPS: f32 = 1e-5;

// (mean, variance) of the head's outputs at token t: two serial passes over its S values, as layer-norm.wgsl.
fn head_mean_variance(t: u32) -> vec2<f32> {
  var sum = 0.0;
  for (var j = 0u; j < HEAD_SIZE; j++) {
    sum += head_output(t, j);
  }
  let mean = sum / f32(HEAD_SIZE);
  var squares = 0.0;
  for (var j = 0u; j < HEAD_SIZE; j++) {
    let d = head_output(t, j) - mean;
    squares += d * d;
  }
  return vec2<f32>(mean, squares / f32(HEAD_SIZE));
}

// Output y of channel c normalised with its head's (mean, variance).
fn group_norm(y: f32, stats: vec2<f32>, c: u32) -> f32 {
  return (y - stats.x) * inverseSqrt(stats.y + EPS) * norm_weight(c) + norm_bias(c);
}
