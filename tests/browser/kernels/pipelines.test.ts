/**
 * src/gpu/pipelines.ts on the real (SwiftShader) device: concurrent loads of one kernel share one compilation, loads
 * of one module with other constants get their own pipelines, and invalid WGSL rejects every load with the compiler's
 * line numbers (one compilation check per module: Chromium never settles a second getCompilationInfo()).
 */
import { describe, expect, it } from 'vitest';
import { PipelineCache, type KernelSpec } from '../../../src/gpu/pipelines.js';
import { gpu } from '../gpu-harness.js';

const SCALE_CODE = `
override FACTOR: f32 = 1.0;
@group(0) @binding(0) var<storage, read_write> data: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  if (id.x < arrayLength(&data)) {
    data[id.x] = data[id.x] * FACTOR;
  }
}
`;

const scale = (factor: number): KernelSpec => ({ label: 'scale', code: SCALE_CODE, constants: { FACTOR: factor } });

describe('PipelineCache', () => {
  it('shares one compilation between concurrent loads of a kernel', async () => {
    const cache = new PipelineCache((await gpu()).context.device);
    const [first, second] = await Promise.all([cache.load(scale(2)), cache.load(scale(2))]);
    expect(second).toBe(first);
    expect(cache.get(scale(2))).toBe(first);
    expect(await cache.load(scale(2))).toBe(first);
  });

  it('gives other constants of the same module their own pipeline', async () => {
    const cache = new PipelineCache((await gpu()).context.device);
    const [two, three] = await Promise.all([cache.load(scale(2)), cache.load(scale(3))]);
    expect(three).not.toBe(two);
    expect(cache.get(scale(3))).toBe(three);
  });

  it('rejects every concurrent and later load of invalid WGSL with the line of the error', async () => {
    const cache = new PipelineCache((await gpu()).context.device);
    const broken = (factor: number): KernelSpec => ({
      label: 'broken',
      code: SCALE_CODE.replace('data[id.x] * FACTOR', 'data[id.x] * undefinedName'),
      constants: { FACTOR: factor },
    });
    const loads = [cache.load(broken(2)), cache.load(broken(2)), cache.load(broken(3))];
    for (const load of loads)
      await expect(load).rejects.toThrow(/WGSL compilation of broken failed:\n {2}7:\d+ .*undefinedName/);
    await expect(cache.load(broken(2))).rejects.toThrow(/undefinedName/);
  });
});
