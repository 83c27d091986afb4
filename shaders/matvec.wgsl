// Matrix-vector product for a batch of B vectors (decode: one token per session, all sessions in one dispatch),
// optionally over G stacked matrices (stacked LoRAs) and over one row part of a row-split matrix (the head):
//   y[g][b][ROW_OFFSET + r] = act( Σ_k W[g·ROWS + r][k] · x[b][g·IN_WIDTH + k] )  (+ y[…] when ACCUMULATE)
// for r < ROWS, k < IN_WIDTH, b < BATCH, g < GROUPS. act is the ACTIVATION override (lib/activation.wgsl).
//
// Bindings (group 0):
//   0 storage read       weights  W [GROUPS·ROWS, IN_WIDTH] in the GPU matrix layout (lib/weights.wgsl, any
//                                 WEIGHT_FORMAT: 16-byte chunks of f32, packed f16 or quantized blocks)
//   1 storage read       x        [BATCH, GROUPS·IN_WIDTH] f32
//   2 storage read_write y        [GROUPS, BATCH, OUT_WIDTH] f32
// Entry point `main`, workgroup size WORKGROUP_SIZE (a power of two ≥ BATCH·ROWS_PER_WORKGROUP);
// dispatch (X, Y, GROUPS) with X·Y ≥ ceil(ROWS / ROWS_PER_WORKGROUP) (Y > 1 only past 65535 workgroups).
//
// Bandwidth design: each workgroup owns ROWS_PER_WORKGROUP rows; its invocations walk the rows' chunks with a
// stride of WORKGROUP_SIZE, so one step of the workgroup reads WORKGROUP_SIZE·16 contiguous bytes of every row
// (coalesced vec4 loads). Every weight chunk is loaded once, decoded four values at a time, and used for all BATCH
// vectors (x is small and stays in cache). The per-invocation partial sums are reduced through workgroup memory sized to exactly
// BATCH · ROWS_PER_WORKGROUP · WORKGROUP_SIZE floats (workgroup memory is zeroed per workgroup: keep it small), by
// lib/workgroup-sums.wgsl: a tree, or subgroupAdd and one barrier on a device with `subgroups`.

//!include weights
//!include activation
//!include workgroup-sums

override IN_WIDTH: u32;
override ROWS: u32;
override OUT_WIDTH: u32;
override ROW_OFFSET: u32 = 0u;
override GROUPS: u32 = 1u;
override BATCH: u32 = 1u;
override ROWS_PER_WORKGROUP: u32 = 4u;
override WORKGROUP_SIZE: u32 = 64u;
override ACCUMULATE: bool = false;

// BATCH · ROWS_PER_WORKGROUP ≤ MAX_SUMS and ROWS_PER_WORKGROUP ≤ MAX_ROWS_PER_WORKGROUP (checked by the host).
const MAX_SUMS = 32u;
const MAX_ROWS_PER_WORKGROUP = 8u;

@group(0) @binding(0) var<storage, read> weights: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

var<workgroup> partial: array<f32, BATCH * ROWS_PER_WORKGROUP * WORKGROUP_SIZE>;

fn x_at(base: u32, k: u32) -> f32 {
  return select(0.0, x[base + k], k < IN_WIDTH);
}

fn x_chunk(base: u32, k: u32) -> vec4<f32> {
  return vec4<f32>(x_at(base, k), x_at(base, k + 1u), x_at(base, k + 2u), x_at(base, k + 3u));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(
  @builtin(workgroup_id) workgroup: vec3<u32>,
  @builtin(num_workgroups) workgroups: vec3<u32>,
  @builtin(local_invocation_index) lane: u32,
) {
  let group = workgroup.z;
  let first_row = (workgroup.x + workgroup.y * workgroups.x) * ROWS_PER_WORKGROUP;
  let chunks = chunks_per_row(IN_WIDTH);
  let sum_count = BATCH * ROWS_PER_WORKGROUP;

  var sums: array<f32, MAX_SUMS>;
  for (var c = lane; c < chunks; c += WORKGROUP_SIZE) {
    var w: array<WeightChunk, MAX_ROWS_PER_WORKGROUP>;
    for (var r = 0u; r < ROWS_PER_WORKGROUP; r++) {
      let row = min(first_row + r, ROWS - 1u);
      w[r] = load_chunk(group * ROWS + row, c, IN_WIDTH);
    }
    for (var q = 0u; q < chunk_len() / 4u; q++) {
      var quads: array<vec4<f32>, MAX_ROWS_PER_WORKGROUP>;
      for (var r = 0u; r < ROWS_PER_WORKGROUP; r++) {
        quads[r] = chunk_quad(w[r], q);
      }
      let k = c * chunk_len() + 4u * q;
      for (var b = 0u; b < BATCH; b++) {
        let xq = x_chunk((b * GROUPS + group) * IN_WIDTH, k);
        for (var r = 0u; r < ROWS_PER_WORKGROUP; r++) {
          sums[b * ROWS_PER_WORKGROUP + r] += dot(quads[r], xq);
        }
      }
    }
  }

  reduce_sums(&sums, sum_count, lane);

  for (var s = lane; s < sum_count; s += WORKGROUP_SIZE) {
    let row = first_row + s % ROWS_PER_WORKGROUP;
    if (row < ROWS) {
      let b = s / ROWS_PER_WORKGROUP;
      let index = (group * BATCH + b) * OUT_WIDTH + ROW_OFFSET + row;
      var value = activate(reduced_sum(s));
      if (ACCUMULATE) {
        value += y[index];
      }
      y[index] = value;
    }
  }
}
