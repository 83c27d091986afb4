// Shared snippet (included with `//!include wkv5-bindings`): the storage bindings of the v5-family WKV kernels
// (wkv5.wgsl, wkv5-chunked.wgsl), declared once so that both forms take the same bind group; binding 0 is the
// step-params uniform.

@group(0) @binding(1) var<storage, read_write> state: array<f32>;
@group(0) @binding(2) var<storage, read> time_first: array<f32>;
@group(0) @binding(3) var<storage, read> time_decay: array<f32>;
@group(0) @binding(4) var<storage, read> r: array<f32>;
@group(0) @binding(5) var<storage, read> k: array<f32>;
@group(0) @binding(6) var<storage, read> v: array<f32>;
@group(0) @binding(7) var<storage, read_write> out: array<f32>;

fn head_param_index(h: u32, j: u32) -> u32 {
  if (PARAMS_PER_HEAD) {
    return h;
  }
  return h * HEAD_SIZE + j;
}
