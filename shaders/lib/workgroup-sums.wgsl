// Shared snippet (included with `//!include workgroup-sums`): many sums at once over a workgroup of WORKGROUP_SIZE
// invocations (a power of two): each invocation holds `count` ≤ MAX_SUMS partial values in `sums` (consts and the
// workgroup array `partial` of count · WORKGROUP_SIZE floats declared by the including kernel). `reduce_sums` reduces
// them, by a tree in workgroup memory (log2(WORKGROUP_SIZE) + 1 barriers); after it, `reduced_sum(s)` is sum s's total
// in any invocation. Call `reduce_sums` from uniform control flow. On a device with `subgroups`, resolveWgsl swaps in
// `workgroup-sums-subgroups` (the same functions).

fn reduce_sums(sums: ptr<function, array<f32, MAX_SUMS>>, count: u32, lane: u32) {
  for (var s = 0u; s < count; s++) {
    partial[s * WORKGROUP_SIZE + lane] = (*sums)[s];
  }
  workgroupBarrier();
  for (var stride = WORKGROUP_SIZE / 2u; stride > 0u; stride /= 2u) {
    if (lane < stride) {
      for (var s = 0u; s < count; s++) {
        partial[s * WORKGROUP_SIZE + lane] += partial[s * WORKGROUP_SIZE + lane + stride];
      }
    }
    workgroupBarrier();
  }
}

fn reduced_sum(s: u32) -> f32 {
  return partial[s * WORKGROUP_SIZE];
}
