// Token shift for B sequences of T tokens each (decode: T = 1, one sequence per session; prefill: T = chunk):
//   shift:  shifted[b][t][c] = x[b][t − 1][c] for t > 0, and state[state_offsets[b] + c] for t = 0
//   save:   state[state_offsets[b] + c] = x[b][T − 1][c]          (dispatch after every reader of the old state)
// The state holds each session's last token of the previous chunk (att_x or ffn_x of src/model/state.ts); the
// uniform Params has the same layout as the WKV kernels', so one uniform buffer serves both.
//
// Bindings (group 0):
//   0 uniform            params   { tokens T: u32, state_offsets: array<vec4<u32>, 64> } — B float offsets
//   1 storage read       x        [B, T, CHANNELS] f32
//   2 storage read_write state    f32, CHANNELS floats at each state_offsets[b]
//   3 storage read_write shifted  [B, T, CHANNELS] f32 (entry `shift` only)
// Entry points (workgroup size 64): `shift`, dispatch (ceil(CHANNELS / 64), T, B); `save`, dispatch
// (ceil(CHANNELS / 64), 1, B).

override CHANNELS: u32;

//!include step-params

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> state: array<f32>;
@group(0) @binding(3) var<storage, read_write> shifted: array<f32>;

@compute @workgroup_size(64)
fn shift(@builtin(global_invocation_id) id: vec3<u32>) {
  let c = id.x;
  let t = id.y;
  let b = id.z;
  if (c >= CHANNELS) {
    return;
  }
  let row = token_row(b, t);
  if (t == 0u) {
    shifted[row * CHANNELS + c] = state[state_offset(b) + c];
  } else {
    shifted[row * CHANNELS + c] = x[(row - 1u) * CHANNELS + c];
  }
}

@compute @workgroup_size(64)
fn save(@builtin(global_invocation_id) id: vec3<u32>) {
  let c = id.x;
  let b = id.z;
  if (c >= CHANNELS) {
    return;
  }
  let last = token_row(b, params.tokens - 1u);
  state[state_offset(b) + c] = x[last * CHANNELS + c];
}
