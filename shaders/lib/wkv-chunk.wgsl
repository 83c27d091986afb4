// Shared snippet (included with `//!include wkv-chunk`): what the chunk-parallel WKV kernels (wkv5-chunked,
// wkv7-chunked) share. A chunk of T tokens is cut into sub-chunks of SUB_CHUNK tokens (≤ MAX_SUB_CHUNK); a sub-chunk's
// inputs sit in workgroup tiles laid out [token t][channel j] (tile_index), and its decays as the inclusive cumulative
// log-decay g_j(t) = Σ_{m ≤ t} log w_j(m) from the sub-chunk's start. Every decay a kernel applies is exp(g_j(a) −
// g_j(b)) with a ≥ b — an exponent ≤ 0, so nothing overflows however strong the decay, and a product of decays that
// underflows is one whose true value is below f32's range. log w is floored at MIN_LOG_DECAY so that a decay of 0
// (exp(−exp(x)) underflowed) gives a finite g (exp(−80) ≈ 2e-35 stands for 0).

override SUB_CHUNK: u32 = 16u;

const MAX_SUB_CHUNK = 16u;
const MIN_LOG_DECAY = -80.0;

fn log_decay(w: f32) -> f32 {
  return max(log(w), MIN_LOG_DECAY);
}

// Index of token t, channel j in a [SUB_CHUNK, HEAD_SIZE] tile.
fn tile_index(t: u32, j: u32) -> u32 {
  return t * HEAD_SIZE + j;
}

// Index of (t, s) in a [SUB_CHUNK, SUB_CHUNK] matrix over the sub-chunk's tokens.
fn pair_index(t: u32, s: u32) -> u32 {
  return t * SUB_CHUNK + s;
}

// The pairs (t, s ≤ t) of an n-token sub-chunk, numbered row by row: pair e is (t, e − t·(t + 1)/2) for the t with
// t·(t + 1)/2 ≤ e < (t + 1)·(t + 2)/2; there are n·(n + 1)/2 of them.
fn lower_pair_count(n: u32) -> u32 {
  return n * (n + 1u) / 2u;
}

fn lower_pair(e: u32) -> vec2<u32> {
  var t = 0u;
  while ((t + 1u) * (t + 2u) / 2u <= e) {
    t++;
  }
  return vec2<u32>(t, e - t * (t + 1u) / 2u);
}
