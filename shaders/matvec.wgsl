// Matrix-vector products for a batch of B vectors (decode: one token per session, all sessions in one dispatch).
//
// Entry `main`: one matrix, optionally one row part of a row-split matrix (the head):
//   y[b][ROW_OFFSET + r] = act( Σ_k W[r][k] · x[b][k] )  (+ y[…] when ACCUMULATE)
// for r < ROWS, k < IN_WIDTH, b < BATCH. act is the ACTIVATION override (lib/activation.wgsl).
// Entry `grouped`: MEMBERS ≤ MAX_MEMBERS independent products y_m = act_m(W_m · x_m) in one dispatch (RWKV-7's
// r, k, v and LoRA halves), each member m with its own shape, activation, input and output — the matrices all in the
// one weights binding (one format), each at its WeightPlace (lib/weights.wgsl); x_m rows [B, columns_m] from float
// x_offset_m of x, y_m rows [B, rows_m] from float y_offset_m of y or of y2. Workgroup w works for the member whose
// run of ceil(rows_m / ROWS_PER_WORKGROUP) workgroups holds w (members in table order).
//
// Bindings (group 0):
//   0 storage read       weights  `main`: W [ROWS, IN_WIDTH]; `grouped`: every member's W, in the GPU matrix
//                                 layout (lib/weights.wgsl, any WEIGHT_FORMAT: 16-byte chunks of f32, packed f16 or
//                                 quantized blocks)
//   1 storage read       x        `main`: [BATCH, IN_WIDTH] f32; `grouped`: the members' inputs
//   2 storage read_write y        `main`: [BATCH, OUT_WIDTH] f32; `grouped`: the outputs of members with
//                                 output 0
//   3 storage read_write y2       `grouped`: the outputs of members with output 1 (any other writable buffer when none)
//   4 uniform            members  `grouped`: MAX_MEMBERS × Member (below; src/gpu/kernels/matvec.ts memberTable)
// Entry point `main` or `grouped`, workgroup size WORKGROUP_SIZE (a power of two ≥ BATCH·ROWS_PER_WORKGROUP);
// dispatch (X, Y, 1) with X·Y ≥ ceil(ROWS / ROWS_PER_WORKGROUP) (`grouped`: the members' workgroups summed; Y > 1
// only past 65535 workgroups).
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

override IN_WIDTH: u32 = 1u;
override ROWS: u32 = 1u;
override OUT_WIDTH: u32 = 1u;
override ROW_OFFSET: u32 = 0u;
override BATCH: u32 = 1u;
override ROWS_PER_WORKGROUP: u32 = 4u;
override WORKGROUP_SIZE: u32 = 64u;
override ACCUMULATE: bool = false;
override MEMBERS: u32 = 1u;

// BATCH · ROWS_PER_WORKGROUP ≤ MAX_SUMS and ROWS_PER_WORKGROUP ≤ MAX_ROWS_PER_WORKGROUP (checked by the host).
const MAX_SUMS = 32u;
const MAX_ROWS_PER_WORKGROUP = 8u;
const MAX_MEMBERS = 8u;

// One member of a grouped product.
struct Member {
  // rows, columns, activation (lib/activation.wgsl), output binding (0: y, 1: y2)
  shape: vec4<u32>,
  // its WeightPlace: first values chunk, first high-bits word, first scales word; (unused)
  place: vec4<u32>,
  // float offsets of its x rows and of its y rows in their bindings; (unused, unused)
  io: vec4<u32>,
}

@group(0) @binding(0) var<storage, read> weights: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> y2: array<f32>;
@group(0) @binding(4) var<uniform> members: array<Member, MAX_MEMBERS>;

var<workgroup> partial: array<f32, BATCH * ROWS_PER_WORKGROUP * WORKGROUP_SIZE>;

fn x_chunk(base: u32, k: u32, columns: u32) -> vec4<f32> {
  var chunk: vec4<f32>;
  for (var i = 0u; i < 4u; i++) {
    chunk[i] = select(0.0, x[base + k + i], k + i < columns);
  }
  return chunk;
}

// This invocation's share of the sums W·x of the workgroup's rows first_row + r (r < ROWS_PER_WORKGROUP) for each
// vector b, at index b · ROWS_PER_WORKGROUP + r: W the [rows, columns] matrix at `place`, vector b's `columns` values
// from float x_base + b · columns of x.
fn row_sums(
  place: WeightPlace,
  rows: u32,
  columns: u32,
  first_row: u32,
  x_base: u32,
  lane: u32,
) -> array<f32, MAX_SUMS> {
  var sums: array<f32, MAX_SUMS>;
  let chunks = chunks_per_row(columns);
  for (var c = lane; c < chunks; c += WORKGROUP_SIZE) {
    var w: array<WeightChunk, MAX_ROWS_PER_WORKGROUP>;
    for (var r = 0u; r < ROWS_PER_WORKGROUP; r++) {
      let row = min(first_row + r, rows - 1u);
      w[r] = load_chunk_at(place, row, c, columns);
    }
    for (var q = 0u; q < chunk_len() / 4u; q++) {
      var quads: array<vec4<f32>, MAX_ROWS_PER_WORKGROUP>;
      for (var r = 0u; r < ROWS_PER_WORKGROUP; r++) {
        quads[r] = chunk_quad(w[r], q);
      }
      let k = c * chunk_len() + 4u * q;
      for (var b = 0u; b < BATCH; b++) {
        let xq = x_chunk(x_base + b * columns, k, columns);
        for (var r = 0u; r < ROWS_PER_WORKGROUP; r++) {
          sums[b * ROWS_PER_WORKGROUP + r] += dot(quads[r], xq);
        }
      }
    }
  }
  return sums;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(
  @builtin(workgroup_id) workgroup: vec3<u32>,
  @builtin(num_workgroups) workgroups: vec3<u32>,
  @builtin(local_invocation_index) lane: u32,
) {
  let first_row = (workgroup.x + workgroup.y * workgroups.x) * ROWS_PER_WORKGROUP;
  let sum_count = BATCH * ROWS_PER_WORKGROUP;
  let place = WeightPlace(0u, HIGH_BITS_BASE, SCALES_BASE);
  var sums = row_sums(place, ROWS, IN_WIDTH, first_row, 0u, lane);

  reduce_sums(&sums, sum_count, lane);

  for (var s = lane; s < sum_count; s += WORKGROUP_SIZE) {
    let row = first_row + s % ROWS_PER_WORKGROUP;
    if (row < ROWS) {
      let b = s / ROWS_PER_WORKGROUP;
      let index = b * OUT_WIDTH + ROW_OFFSET + row;
      var value = activate(reduced_sum(s));
      if (ACCUMULATE) {
        value += y[index];
      }
      y[index] = value;
    }
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn grouped(
  @builtin(workgroup_id) workgroup: vec3<u32>,
  @builtin(num_workgroups) workgroups: vec3<u32>,
  @builtin(local_invocation_index) lane: u32,
) {
  // The member whose run of workgroups holds this one, and the run's start.
  let index = workgroup.x + workgroup.y * workgroups.x;
  var m = 0u;
  var start = 0u;
  for (; m + 1u < MEMBERS; m++) {
    let runs = (members[m].shape.x + ROWS_PER_WORKGROUP - 1u) / ROWS_PER_WORKGROUP;
    if (index < start + runs) {
      break;
    }
    start += runs;
  }
  let member = members[m];
  let rows = member.shape.x;
  let columns = member.shape.y;
  let first_row = (index - start) * ROWS_PER_WORKGROUP;
  let sum_count = BATCH * ROWS_PER_WORKGROUP;
  let place = WeightPlace(member.place.x, member.place.y, member.place.z);
  var sums = row_sums(place, rows, columns, first_row, member.io.x, lane);

  reduce_sums(&sums, sum_count, lane);

  for (var s = lane; s < sum_count; s += WORKGROUP_SIZE) {
    let row = first_row + s % ROWS_PER_WORKGROUP;
    if (row < rows) {
      let out = member.io.y + (s / ROWS_PER_WORKGROUP) * rows + row;
      let value = activate_as(member.shape.z, reduced_sum(s));
      if (member.shape.w == 0u) {
        y[out] = value;
      } else {
        y2[out] = value;
      }
    }
  }
}
