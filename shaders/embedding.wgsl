// Embedding gather: out[n][c] = E[tokens[n]][c] for every token whose row lies in this binding's part of the
// table, rows [ROW_START, ROW_START + ROWS); other tokens are left untouched, so a table split by rows across
// several bindings (src/gpu/matrix-layout.ts, row-split scheme) is gathered with one dispatch per part.
//
// Bindings (group 0):
//   0 storage read       tokens  [N] u32
//   1 storage read       weights E rows [ROWS, COLUMNS] in the GPU matrix layout (lib/weights.wgsl, any WEIGHT_FORMAT)
//   2 storage read_write out     [N, COLUMNS] f32
// Entry point `main`, workgroup size 64; dispatch (ceil(chunks_per_row(COLUMNS) / 64), N, 1): one invocation per
// 16-byte chunk of a row (4 to 32 values).

//!include weights

override COLUMNS: u32;
override ROWS: u32;
override ROW_START: u32 = 0u;

@group(0) @binding(0) var<storage, read> tokens: array<u32>;
@group(0) @binding(1) var<storage, read> weights: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let chunks = chunks_per_row(COLUMNS);
  let n = id.y;
  let token = tokens[n];
  if (id.x >= chunks || token < ROW_START || token >= ROW_START + ROWS) {
    return;
  }
  let chunk = load_chunk(token - ROW_START, id.x, COLUMNS);
  for (var q = 0u; q < chunk_len() / 4u; q++) {
    let values = chunk_quad(chunk, q);
    let first = id.x * chunk_len() + 4u * q;
    for (var e = 0u; e < 4u; e++) {
      if (first + e < COLUMNS) {
        out[n * COLUMNS + first + e] = values[e];
      }
    }
  }
}
