// Shared snippet (included with `//!include wkv7-bindings`): the storage bindings of the v7 WKV kernels (wkv7.wgsl,
// wkv7-chunked.wgsl), declared once so that both forms take the same bind group; binding 0 is the step-params uniform.

@group(0) @binding(1) var<storage, read_write> state: array<f32>;
@group(0) @binding(2) var<storage, read> r: array<f32>;
@group(0) @binding(3) var<storage, read> w: array<f32>;
@group(0) @binding(4) var<storage, read> k: array<f32>;
@group(0) @binding(5) var<storage, read> v: array<f32>;
@group(0) @binding(6) var<storage, read> kk: array<f32>;
@group(0) @binding(7) var<storage, read> a: array<f32>;
@group(0) @binding(8) var<storage, read_write> out: array<f32>;
