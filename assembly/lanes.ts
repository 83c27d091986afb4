/** Sums across the lanes of one vector, shared by the kernels (assembly/kernels.ts, assembly/elementwise.ts). */

/** The f32 lanes of v summed as (v0 + v1) + (v2 + v3). */
// @ts-ignore: decorator
@inline
export function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}
