// Shared snippet (included with `//!include head-state`): row i of a head's S × S matrix state, which the matrix-state
// WKV kernels (wkv5, wkv7) keep in an invocation's registers over a chunk. Needs `HEAD_SIZE` (S ≤ MAX_HEAD_SIZE), the
// read_write `state` storage array and the `step-params` snippet. Row i of head h of session b starts at float
// state_offset(b) + (h·S + i)·S.

const MAX_HEAD_SIZE = 64u;

fn state_row_start(b: u32, h: u32, i: u32) -> u32 {
  return state_offset(b) + (h * HEAD_SIZE + i) * HEAD_SIZE;
}

fn load_state_row(start: u32) -> array<f32, MAX_HEAD_SIZE> {
  var row: array<f32, MAX_HEAD_SIZE>;
  for (var j = 0u; j < HEAD_SIZE; j++) {
    row[j] = state[start + j];
  }
  return row;
}

fn store_state_row(start: u32, row: array<f32, MAX_HEAD_SIZE>) {
  for (var j = 0u; j < HEAD_SIZE; j++) {
    state[start + j] = row[j];
  }
}
