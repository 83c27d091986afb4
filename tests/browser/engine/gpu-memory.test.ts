/**
 * A model too large for the GPU is refused before any of it is uploaded: a Q4_0 `.bin` of 320 MB (a real header,
 * then zeros that are never read) needs about 1.1 GiB of f16 weights on the GPU, reserved in buffers of the device's
 * largest part size, and SwiftShader — the adapter of this project's test machines — refuses a buffer of its own
 * maxBufferSize, 1 GiB (1023 MiB passes). createEngine fails with GpuOutOfMemoryError stating what
 * the model needs and what the GPU gave; progress stops after `parse` (no `upload`), and the next engine loads.
 * On a hardware adapter this model would fit, so the test is skipped there, loudly.
 */
import { expect, test } from 'vitest';
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

test('a model too large for the GPU is refused with GpuOutOfMemoryError before its upload', async (context) => {
  if (!(await adapterIsSwiftShader())) {
    console.warn('SKIPPED: the refusal test needs SwiftShader (it refuses a 1 GiB buffer); this adapter is not.');
    context.skip();
  }
  const header = writeRwkvCpp({ version: 101, nVocab: 256, nEmbed: 4096, nLayer: 24, dataType: 'q4_0' }, []);
  const file = new Uint8Array(FILE_BYTES);
  file.set(header);
  const phases = new Set<string>();
  const onProgress = (event: EngineEvent) => phases.add(event.phase);
  const loading = createEngine({ model: file, backend: 'webgpu', worker: false, onProgress });
  await expect(loading).rejects.toThrow(GpuOutOfMemoryError);
  await expect(loading).rejects.toThrow(/needs about 1085 MiB of GPU memory; this GPU gave 0\.0 MiB and then refused/);
  expect([...phases]).toEqual(['parse']);

  const engine = await createEngine({ model: modelBytes(tinyModel()), backend: 'webgpu', worker: false });
  expect(engine.info.backend).toBe('webgpu');
  await engine.dispose();
});
