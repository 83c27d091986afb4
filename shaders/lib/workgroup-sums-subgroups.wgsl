// Shared snippet: `workgroup-sums` as resolved for a device with the `subgroups` feature — the same reduce_sums /
// reduced_sum in one barrier instead of the tree's log2(WORKGROUP_SIZE) + 1, by the scheme of workgroup-sum-subgroups:
// subgroupAdd sums each value over its subgroup, one subgroupElect()ed invocation per subgroup leaves that sum at its
// own lane of the value's row of `partial` (every other lane 0), and reduced_sum(s) adds row s's lanes in lane order —
// the same total in every invocation, nothing assumed of which invocations form a subgroup.

fn reduce_sums(sums: ptr<function, array<f32, MAX_SUMS>>, count: u32, lane: u32) {
  for (var s = 0u; s < count; s++) {
    let subgroup_total = subgroupAdd((*sums)[s]);
    partial[s * WORKGROUP_SIZE + lane] = select(0.0, subgroup_total, subgroupElect());
  }
  workgroupBarrier();
}

fn reduced_sum(s: u32) -> f32 {
  var total = 0.0;
  for (var i = 0u; i < WORKGROUP_SIZE; i++) {
    total += partial[s * WORKGROUP_SIZE + i];
  }
  return total;
}
