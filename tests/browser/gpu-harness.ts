/**
 * Browser-test harness for WGSL kernels: one shared device per test file, and `runKernel`, which uploads typed
 * arrays, runs one dispatch and reads back the outputs. Typical use:
 *
 *   const [y] = await runKernel(matVecKernel({ inWidth: 100, rows: 37, format: 'f32' }),
 *     [packRows(w, 100, 'f32'), x, output(37)]);
 *   expectClose(y, matMat(w, x, 1), 1e-5);
 *
 * Bindings are given in binding order: a typed array is uploaded as a read-only storage buffer, `output(n)` is a
 * zeroed read_write f32 buffer, `inout(data)` an uploaded read_write buffer, `uniform(words)` a uniform buffer.
 * `output` and `inout` buffers come back, in binding order, as Float32Arrays.
 */
import { afterAll, expect, type TestContext } from 'vitest';
import { createBuffer, readBuffer, UNIFORM, uploadBuffer } from '../../src/gpu/buffers.js';
import { requestGpuDevice } from '../../src/gpu/device.js';
import type { GpuContext } from '../../src/gpu/device.js';
import { KernelRunner } from '../../src/gpu/kernel-runner.js';
import type { KernelDispatch } from '../../src/gpu/kernel-runner.js';

type Data = Float32Array | Uint32Array | Int32Array;

interface Output {
  kind: 'output';
  length: number;
}

interface InOut {
  kind: 'inout';
  data: Data;
}

interface Uniform {
  kind: 'uniform';
  data: Uint32Array;
}

export type HarnessBinding = Data | GPUBuffer | Output | InOut | Uniform;

let shared: Promise<{ context: GpuContext; runner: KernelRunner }> | undefined;

/** The device (and a kernel runner on it) shared by the tests of one file; destroyed after the file's tests. */
export function gpu(): Promise<{ context: GpuContext; runner: KernelRunner }> {
  shared ??= requestGpuDevice().then((context) => ({ context, runner: new KernelRunner(context.device) }));
  return shared;
}

afterAll(async () => {
  const device = shared;
  shared = undefined;
  if (device) (await device).context.destroy();
});

/** Skips `test`, loudly, on an adapter without the `subgroups` feature (for the subgroupAdd forms of kernels). */
export async function requireSubgroups(test: TestContext): Promise<void> {
  if ((await gpu()).context.features.has('subgroups')) return;
  console.warn('!!! adapter without the subgroups feature: subgroupAdd reductions are not tested here');
  test.skip();
}

export function output(length: number): Output {
  return { kind: 'output', length };
}

export function inout(data: Data): InOut {
  return { kind: 'inout', data };
}

export function uniform(data: Uint32Array): Uniform {
  return { kind: 'uniform', data };
}

/** Runs `dispatch` with `bindings`; returns the `output` / `inout` buffers' contents in binding order. */
export async function runKernel(
  dispatch: KernelDispatch,
  bindings: readonly HarnessBinding[],
): Promise<Float32Array[]> {
  const { context, runner } = await gpu();
  const device = context.device;
  const created: GPUBuffer[] = [];
  const readBack: GPUBuffer[] = [];
  const buffers = bindings.map((binding, index) => {
    if (binding instanceof GPUBuffer) return binding;
    let buffer: GPUBuffer;
    if (ArrayBuffer.isView(binding)) buffer = uploadBuffer(device, binding, `input ${index}`);
    else if (binding.kind === 'output') buffer = createBuffer(device, binding.length * 4, `output ${index}`);
    else if (binding.kind === 'uniform') buffer = uploadBuffer(device, binding.data, `uniform ${index}`, UNIFORM);
    else buffer = uploadBuffer(device, binding.data, `inout ${index}`);
    created.push(buffer);
    if (!ArrayBuffer.isView(binding) && binding.kind !== 'uniform') readBack.push(buffer);
    return buffer;
  });
  await runner.run(dispatch, buffers);
  const results = await Promise.all(readBack.map(async (buffer) => new Float32Array(await readBuffer(device, buffer))));
  for (const buffer of created) buffer.destroy();
  return results;
}

/** Deterministic uniform values in [−scale, scale) (mulberry32). */
export function randomArray(length: number, seed: number, scale = 1): Float32Array {
  let state = seed >>> 0;
  const values = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    values[i] = ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * scale;
  }
  return values;
}

/** Largest |actual − expected|. */
export function maxAbsDiff(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  return worst;
}

/** Asserts equal lengths and max |actual − expected| ≤ tolerance · max(1, max |expected|). */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  let scale = 1;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  const diff = maxAbsDiff(actual, expected);
  expect(Number.isFinite(diff), 'results are finite').toBe(true);
  expect(diff).toBeLessThanOrEqual(tolerance * scale);
}

/** Reads a whole f32 buffer back. */
export async function readFloats(device: GPUDevice, buffer: GPUBuffer): Promise<Float32Array> {
  return new Float32Array(await readBuffer(device, buffer, 0, buffer.size));
}
