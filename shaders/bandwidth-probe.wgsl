// Read-bandwidth probe: streams a whole buffer through the GPU once, the way a memory-bound matvec reads weights.
//
// Math: each workgroup folds its share of `data` (vec4<u32> words, grid-stride, coalesced) into one word,
//   sink[workgroup] = XOR over its words, so no read can be skipped; the host times many passes.
//
// Bindings (group 0):
//   0 data: array<vec4<u32>>       read-only storage — the bytes to read (WORDS vec4 words)
//   1 sink: array<u32>             storage — one word per workgroup
// Overrides: WORDS (vec4 words in `data`), WORKGROUPS (workgroups in the dispatch, along x; at most 65535).

override WORDS: u32;
override WORKGROUPS: u32;

const WORKGROUP_SIZE: u32 = 256u;

@group(0) @binding(0) var<storage, read> data: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read_write> sink: array<u32>;

var<workgroup> partial: array<u32, WORKGROUP_SIZE>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(
  @builtin(workgroup_id) workgroup: vec3<u32>,
  @builtin(local_invocation_index) lane: u32,
) {
  let group = workgroup.x;
  let stride = WORKGROUPS * WORKGROUP_SIZE;
  var folded = vec4<u32>(0u);
  for (var word = group * WORKGROUP_SIZE + lane; word < WORDS; word += stride) {
    folded ^= data[word];
  }
  partial[lane] = folded.x ^ folded.y ^ folded.z ^ folded.w;
  workgroupBarrier();
  for (var half = WORKGROUP_SIZE / 2u; half > 0u; half /= 2u) {
    if (lane < half) {
      partial[lane] ^= partial[lane + half];
    }
    workgroupBarrier();
  }
  if (lane == 0u) {
    sink[group] = partial[0];
  }
}
