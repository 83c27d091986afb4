// Shared snippet (included with `//!include workgroup-sum`): the sum of one value per invocation over a workgroup of
// WORKGROUP_SIZE invocations (a power of two, a const the including kernel declares), by a tree in workgroup memory.
// Call it from uniform control flow; every invocation gets the total.

var<workgroup> partial: array<f32, WORKGROUP_SIZE>;

fn workgroup_sum(value: f32, lane: u32) -> f32 {
  partial[lane] = value;
  workgroupBarrier();
  for (var stride = WORKGROUP_SIZE / 2u; stride > 0u; stride /= 2u) {
    if (lane < stride) {
      partial[lane] += partial[lane + stride];
    }
    workgroupBarrier();
  }
  let total = partial[0];
  workgroupBarrier();
  return total;
}
