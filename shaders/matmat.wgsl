// Tiled matrix-matrix product (prefill: the linear layers over a chunk of T token rows), optionally over one row part
// of a row-split matrix (the head over every position):
//   Y[t][ROW_OFFSET + r] = act( Σ_k W[r][k] · X[t][k] )  (+ Y[…] when ACCUMULATE)
// for r < ROWS, k < IN_WIDTH, t < T = shape.rows. act is the ACTIVATION override.
//
// Bindings (group 0):
//   0 uniform            shape    { rows: u32 } — T, the number of X rows
//   1 storage read       weights  W [ROWS, IN_WIDTH] in the GPU matrix layout (lib/weights.wgsl)
//   2 storage read       x        [T, IN_WIDTH] f32
//   3 storage read_write y        [T, OUT_WIDTH] f32
// Entry point `main`, workgroup SIDE × SIDE; dispatch (ceil(ROWS / TILE), ceil(T / TILE), 1) with
// TILE = SIDE · PER_SIDE (the host uses 8 × 8 invocations of 8 × 8 outputs, TILE 64, for big products and of 4 × 4,
// TILE 32, when 64-tiles would leave a large GPU idle).
//
// Each workgroup computes a TILE-row × TILE-token tile of Y, PER_SIDE × PER_SIDE outputs per invocation, walking k in
// steps of TILE_K: a TILE_K × TILE slab of W (decoded to f32 four values at a time, any WEIGHT_FORMAT) and of X is
// staged in workgroup memory, so every weight read from memory is reused for TILE tokens.

//!include weights
//!include activation

struct Shape {
  rows: u32,
}

override IN_WIDTH: u32;
override ROWS: u32;
override OUT_WIDTH: u32;
override ROW_OFFSET: u32 = 0u;
override ACCUMULATE: bool = false;

override SIDE: u32 = 8u;
override PER_SIDE: u32 = 8u; // ≤ MAX_PER_SIDE

const TILE_K = 16u;
const MAX_PER_SIDE = 8u;

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> weights: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

// Derived from SIDE and PER_SIDE (never set by the host).
override TILE: u32 = SIDE * PER_SIDE;
override INVOCATIONS: u32 = SIDE * SIDE;

var<workgroup> w_tile: array<f32, TILE_K * TILE>;
var<workgroup> x_tile: array<f32, TILE_K * TILE>;

fn stage_weights(first_row: u32, k0: u32, lane: u32) {
  let quads_per_tile = TILE_K / 4u;
  for (var i = lane; i < TILE * quads_per_tile; i += INVOCATIONS) {
    let r = i / quads_per_tile;
    let kk = (i % quads_per_tile) * 4u;
    let row = first_row + r;
    let k = k0 + kk;
    var quad = vec4<f32>(0.0);
    if (row < ROWS && k < IN_WIDTH) {
      let chunk = load_chunk(row, k / chunk_len(), IN_WIDTH);
      quad = chunk_quad(chunk, (k % chunk_len()) / 4u);
    }
    for (var e = 0u; e < 4u; e++) {
      w_tile[(kk + e) * TILE + r] = quad[e];
    }
  }
}

fn stage_x(first_token: u32, k0: u32, lane: u32) {
  for (var i = lane; i < TILE * TILE_K; i += INVOCATIONS) {
    let t = i / TILE_K;
    let kk = i % TILE_K;
    let token = first_token + t;
    let k = k0 + kk;
    var value = 0.0;
    if (token < shape.rows && k < IN_WIDTH) {
      value = x[token * IN_WIDTH + k];
    }
    x_tile[kk * TILE + t] = value;
  }
}

@compute @workgroup_size(SIDE, SIDE)
fn main(
  @builtin(workgroup_id) workgroup: vec3<u32>,
  @builtin(local_invocation_id) local: vec3<u32>,
  @builtin(local_invocation_index) lane: u32,
) {
  let first_row = workgroup.x * TILE;
  let first_token = workgroup.y * TILE;

  var acc: array<f32, MAX_PER_SIDE * MAX_PER_SIDE>;
  for (var k0 = 0u; k0 < IN_WIDTH; k0 += TILE_K) {
    stage_weights(first_row, k0, lane);
    stage_x(first_token, k0, lane);
    workgroupBarrier();
    for (var kk = 0u; kk < TILE_K; kk++) {
      var w: array<f32, MAX_PER_SIDE>;
      var v: array<f32, MAX_PER_SIDE>;
      for (var i = 0u; i < PER_SIDE; i++) {
        w[i] = w_tile[kk * TILE + local.x + SIDE * i];
        v[i] = x_tile[kk * TILE + local.y + SIDE * i];
      }
      for (var i = 0u; i < PER_SIDE; i++) {
        for (var j = 0u; j < PER_SIDE; j++) {
          acc[i * PER_SIDE + j] += w[i] * v[j];
        }
      }
    }
    workgroupBarrier();
  }

  for (var i = 0u; i < PER_SIDE; i++) {
    for (var j = 0u; j < PER_SIDE; j++) {
      let row = first_row + local.x + SIDE * i;
      let token = first_token + local.y + SIDE * j;
      if (row < ROWS && token < shape.rows) {
        let index = token * OUT_WIDTH + ROW_OFFSET + row;
        var value = activate(acc[i * PER_SIDE + j]);
        if (ACCUMULATE) {
          value += y[index];
        }
        y[index] = value;
      }
    }
  }
}
