/**
 * GPU memory (src/backend/gpu-memory.ts) in headless Chromium. SwiftShader — the adapter of this project's test
 * machines — refuses a buffer of its own maxBufferSize, 1 GiB (1023 MiB passes), as out of memory:
 * - a model too large for the GPU is refused before any of it is uploaded: a Q4_0 `.bin` of 320 MB (a real header,
 *   then zeros that are never read) of 48 layers of width 4096 needs 305 MiB of weights (its blocks stay blocks) plus
 *   about 0.8 GiB of state slots and scratch its header's shape asks for, reserved in buffers of the device's largest part size; so is a tiny model whose 100,000 state
 *   slots need 1.6 GiB. createEngine fails with GpuOutOfMemoryError stating what the model needs, by part, and what
 *   the GPU gave; progress stops after `parse` (no `upload`), and the next engine loads;
 * - an allocation refused in the middle of the upload (the test makes one weight buffer ask for maxBufferSize) fails
 *   the load at that tensor, before the rest of the file is read, and the device — with everything on it — is
 *   destroyed.
 * On a hardware adapter these would fit, so the tests are skipped there, loudly.
 */
import { afterEach, expect, test } from 'vitest';
import { createEngine } from '../../../src/engine/engine.js';
import type { EngineEvent } from '../../../src/protocol/types.js';
import { GpuOutOfMemoryError } from '../../../src/errors.js';
import { writeRwkvCpp } from '../../../src/formats/rwkv-cpp/writer.js';
import { modelBytes, tinyModel } from '../../engine/helpers.js';

const FILE_BYTES = 320_000_000;

async function adapterIsSwiftShader(): Promise<boolean> {
  const adapter = await navigator.gpu.requestAdapter();
  return adapter?.info.architecture === 'swiftshader' || /swiftshader/i.test(adapter?.info.description ?? '');
}

async function skipUnlessSwiftShader(context: { skip(): void }): Promise<void> {
  if (!(await adapterIsSwiftShader())) {
    console.warn('SKIPPED: the GPU memory tests need SwiftShader (it refuses a 1 GiB buffer); this adapter is not.');
    context.skip();
  }
}

const createBuffer = GPUDevice.prototype.createBuffer;
const requestDevice = GPUAdapter.prototype.requestDevice;
afterEach(() => {
  GPUDevice.prototype.createBuffer = createBuffer;
  GPUAdapter.prototype.requestDevice = requestDevice;
});

async function loadsAfterwards(): Promise<void> {
  const engine = await createEngine({ model: modelBytes(tinyModel()), backend: 'webgpu', worker: false });
  expect(engine.info.backend).toBe('webgpu');
  await engine.dispose();
}

test('a model too large for the GPU is refused with GpuOutOfMemoryError before its upload', async (context) => {
  await skipUnlessSwiftShader(context);
  const header = writeRwkvCpp({ version: 101, nVocab: 256, nEmbed: 4096, nLayer: 48, dataType: 'q4_0' }, []);
  const file = new Uint8Array(FILE_BYTES);
  file.set(header);
  const phases = new Set<string>();
  const onProgress = (event: EngineEvent) => phases.add(event.phase);
  const loading = createEngine({ model: file, backend: 'webgpu', worker: false, onProgress });
  await expect(loading).rejects.toThrow(GpuOutOfMemoryError);
  // The file's Q4_0 blocks stay blocks (the file's size); 16 sessions × 48 layers × 66 floats × 4096 channels; 64 rows
  // (the prefill chunk) × (40 × 4096 + 1) floats, and (2 × 64 + 16) × 256 logits (with each session's retained row).
  await expect(loading).rejects.toThrow(
    /needs about 1137 MiB of GPU memory \(weights 305 MiB, state slots of 16 sessions 792 MiB, scratch and logits 40 MiB\); this GPU gave 0\.0 MiB and then refused 1024 MiB more .*maxSessions/,
  );
  expect([...phases]).toEqual(['parse']);
  await loadsAfterwards();
});

test('state slots the GPU cannot hold are refused before the upload too', async (context) => {
  await skipUnlessSwiftShader(context);
  const phases = new Set<string>();
  const onProgress = (event: EngineEvent) => phases.add(event.phase);
  const model = modelBytes(tinyModel());
  const loading = createEngine({ model, backend: 'webgpu', worker: false, maxSessions: 100_000, onProgress });
  await expect(loading).rejects.toThrow(GpuOutOfMemoryError);
  // 100,000 sessions × 2 layers × 66 floats × 32 channels × 4 bytes = 1611 MiB.
  await expect(loading).rejects.toThrow(/state slots of 100000 sessions 1611 MiB/);
  expect([...phases]).toEqual(['parse']);
  await loadsAfterwards();
});

test('an allocation refused mid-upload fails the load at that tensor and destroys the device', async (context) => {
  await skipUnlessSwiftShader(context);
  const devices: GPUDevice[] = [];
  GPUAdapter.prototype.requestDevice = async function (this: GPUAdapter, descriptor?: GPUDeviceDescriptor) {
    const device = await requestDevice.call(this, descriptor);
    devices.push(device);
    return device;
  };
  GPUDevice.prototype.createBuffer = function (this: GPUDevice, descriptor: GPUBufferDescriptor) {
    const refused = descriptor.label?.startsWith('blocks.0.att.key.weight') === true;
    return createBuffer.call(this, refused ? { ...descriptor, size: this.limits.maxBufferSize } : descriptor);
  };
  const uploads: EngineEvent[] = [];
  const onProgress = (event: EngineEvent) => {
    if (event.phase === 'upload') uploads.push(event);
  };
  const loading = createEngine({ model: modelBytes(tinyModel()), backend: 'webgpu', worker: false, onProgress });
  await expect(loading).rejects.toThrow(GpuOutOfMemoryError);
  await expect(loading).rejects.toThrow(/while uploading tensor blocks\.0\.att\.key\.weight/);
  const last = uploads.at(-1) as EngineEvent & { loaded: number; total: number };
  expect(last.loaded).toBeLessThan(last.total / 2); // block 0 of 2: the rest of the file was never read
  expect(devices).toHaveLength(1);
  expect((await devices[0].lost).reason).toBe('destroyed');
  GPUDevice.prototype.createBuffer = createBuffer;
  await loadsAfterwards();
});
