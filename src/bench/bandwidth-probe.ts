/**
 * Measures the adapter's read bandwidth with shaders/bandwidth-probe.wgsl: one buffer (as large as the binding
 * limit allows, up to 256 MiB) is read whole `passes` times in one submission; GB/s = bytes read / wall time.
 * This is the roofline a memory-bound decode step is compared with.
 */
import source from '../../shaders/bandwidth-probe.wgsl?raw';
import { createBuffer } from '../gpu/buffers.js';
import type { KernelRunner } from '../gpu/kernel-runner.js';

const MAX_PROBE_BYTES = 256 * 1024 * 1024;
const WORKGROUP_SIZE = 256;

export interface BandwidthProbeResult {
  bytes: number;
  passes: number;
  seconds: number;
  readGBps: number;
}

export async function probeReadBandwidth(
  runner: KernelRunner,
  passes = 20,
  maxBytes = MAX_PROBE_BYTES,
): Promise<BandwidthProbeResult> {
  const device = runner.device;
  const bytes = Math.min(maxBytes, device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
  const words = Math.floor(bytes / 16);
  const workgroups = Math.min(4096, Math.ceil(words / WORKGROUP_SIZE));
  const data = createBuffer(device, words * 16, 'bandwidth probe data');
  const sink = createBuffer(device, workgroups * 4, 'bandwidth probe sink');
  const dispatch = {
    kernel: { label: 'bandwidth probe', code: source, constants: { WORDS: words, WORKGROUPS: workgroups } },
    workgroups: [workgroups, 1, 1] as const,
  };
  try {
    await runner.run(dispatch, [data, sink]);
    const start = performance.now();
    await runner.submitPass('bandwidth probe', (pass) => {
      for (let i = 0; i < passes; i++) runner.encode(pass, dispatch, [data, sink]);
    });
    const seconds = (performance.now() - start) / 1000;
    return { bytes: words * 16, passes, seconds, readGBps: (words * 16 * passes) / seconds / 1e9 };
  } finally {
    data.destroy();
    sink.destroy();
  }
}
