// Shared snippet (included with `//!include step-params`): the Params uniform at binding 0 of the kernels that step
// session states (norm-shift-mix, WKV) — T, the tokens per session, and B float offsets of the sessions' states in the
// state pool, 4 per vec4 (B ≤ 256). Filled by `tokenParams` (src/gpu/kernels/step-params-uniform.ts); tokens are laid out
// [B, T, ·].

struct Params {
  tokens: u32,
  state_offsets: array<vec4<u32>, 64>,
}

@group(0) @binding(0) var<uniform> params: Params;

// Float offset of session b's state (of the state part this dispatch steps).
fn state_offset(b: u32) -> u32 {
  return params.state_offsets[b / 4u][b % 4u];
}

// Activation row of token t of session b.
fn token_row(b: u32, t: u32) -> u32 {
  return b * params.tokens + t;
}
