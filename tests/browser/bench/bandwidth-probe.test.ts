/** The bandwidth probe reads every byte: its sink folds to the XOR of the whole buffer, computed here on the CPU. */
import { expect, test } from 'vitest';
import source from '../../../shaders/bandwidth-probe.wgsl?raw';
import { probeReadBandwidth } from '../../../src/bench/bandwidth-probe.js';
import { readBuffer, uploadBuffer, createBuffer } from '../../../src/gpu/buffers.js';
import { requestGpuDevice } from '../../../src/gpu/device.js';
import { KernelRunner } from '../../../src/gpu/kernel-runner.js';

test('the probe kernel folds every word of the buffer', async () => {
  const { device } = await requestGpuDevice();
  const runner = new KernelRunner(device);
  const words = 10_007;
  const values = new Uint32Array(words * 4);
  let seed = 12345;
  for (let i = 0; i < values.length; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    values[i] = seed;
  }
  const workgroups = 7;
  const data = uploadBuffer(device, values, 'probe data');
  const sink = createBuffer(device, workgroups * 4, 'probe sink');
  await runner.run(
    { kernel: { code: source, constants: { WORDS: words, WORKGROUPS: workgroups } }, workgroups: [workgroups, 1, 1] },
    [data, sink],
  );
  const folded = new Uint32Array(await readBuffer(device, sink));
  const gpuXor = folded.reduce((a, b) => (a ^ b) >>> 0, 0);
  const cpuXor = values.reduce((a, b) => (a ^ b) >>> 0, 0);
  expect(gpuXor).toBe(cpuXor);
});

test('probeReadBandwidth reports a positive rate over the bytes it read', async () => {
  const { device } = await requestGpuDevice();
  const result = await probeReadBandwidth(new KernelRunner(device), 2, 16 * 2 ** 20);
  expect(result.bytes).toBeGreaterThan(0);
  expect(result.readGBps).toBeCloseTo((result.bytes * result.passes) / result.seconds / 1e9, 6);
  console.log(`bandwidth probe: ${result.readGBps.toFixed(2)} GB/s over ${(result.bytes / 2 ** 20).toFixed(0)} MiB`);
});
