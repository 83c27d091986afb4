// Shared snippet: the `workgroup-sum` snippet as resolved for a device with the `subgroups` feature (resolveWgsl
// with { subgroups: true } also puts `enable subgroups;` at the top of the module). The same fn workgroup_sum(value,
// lane) over WORKGROUP_SIZE invocations, in two barriers instead of the tree's log2(WORKGROUP_SIZE) + 2: subgroupAdd
// sums each subgroup, one elected invocation per subgroup leaves that sum at its own lane (every other lane 0), and
// every invocation adds the WORKGROUP_SIZE lanes in lane order — the same total in every invocation, and no assumption
// about which invocations form a subgroup (WGSL does not say). Call it from uniform control flow.

var<workgroup> partial: array<f32, WORKGROUP_SIZE>;

fn workgroup_sum(value: f32, lane: u32) -> f32 {
  let subgroup_total = subgroupAdd(value);
  partial[lane] = select(0.0, subgroup_total, subgroupElect());
  workgroupBarrier();
  var total = 0.0;
  for (var i = 0u; i < WORKGROUP_SIZE; i++) {
    total += partial[i];
  }
  workgroupBarrier();
  return total;
}
