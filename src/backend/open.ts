/**
 * Opens the backend the caller chose over a model stream. `cpu` is the fast CPU backend (compact weights in a
 * WebAssembly memory, wasm-cpu.ts); `reference` is the reference forward pass (it gathers every tensor in memory as
 * f32). `webgpu` needs a GPU and fails with WebGPUUnavailableError without one — before reading any
 * tensor, so that `auto` can still fall back to the fast CPU backend, saying so through `onWarning`. The WebGPU backend is
 * imported only once a GPU is known to exist, so that Node (which cannot load WGSL files) never loads it.
 *
 * Progress: the CPU reports reading the file as `parse` (bytes of the file read, of its size); WebGPU reports the
 * header or index as `parse`, then reading and uploading the tensors, one pass, as `upload`, then `compile` (see
 * webgpu.ts).
 */
import { WebGPUUnavailableError } from '../errors.js';
import { collectModel } from '../formats/tensor-stream.js';
import type { ModelStream } from '../formats/tensor-stream.js';
import { requestGpuDevice } from '../gpu/device.js';
import type { GpuContext } from '../gpu/device.js';
import type { ProgressCallback } from '../progress.js';
import type { BackendChoice, BackendSizes, InferenceBackend } from './backend.js';
import { CpuBackend } from './cpu.js';
import { PhaseProgress } from '../progress.js';
import { reportingProgress } from './stream-progress.js';
import { openWasmCpuBackend } from './wasm-cpu.js';

export interface BackendEvents {
  onProgress?: ProgressCallback;
  onWarning(message: string): void;
}

export async function openBackend(
  stream: ModelStream,
  choice: BackendChoice,
  events: BackendEvents,
  sizes: BackendSizes,
): Promise<InferenceBackend> {
  if (choice === 'cpu') return openCpu(stream, events.onProgress, sizes);
  if (choice === 'reference') return openReference(stream, events.onProgress, sizes);
  let gpu: GpuContext;
  try {
    gpu = await requestWebGpu();
  } catch (error) {
    if (choice !== 'auto' || !(error instanceof WebGPUUnavailableError)) throw error;
    events.onWarning(`WebGPU is unavailable, so the model runs on the CPU (much slower): ${error.message}`);
    return openCpu(stream, events.onProgress, sizes);
  }
  try {
    const { openWebGpuBackend } = await import('./webgpu.js');
    return await openWebGpuBackend(gpu, stream, events.onProgress, sizes);
  } catch (error) {
    gpu.destroy();
    throw error;
  }
}

function openCpu(
  stream: ModelStream,
  onProgress: ProgressCallback | undefined,
  sizes: BackendSizes,
): Promise<InferenceBackend> {
  return readingAsParse(stream, onProgress, (reported) =>
    openWasmCpuBackend(reported, sizes.maxSessions, sizes.threads, sizes.quantization),
  );
}

function openReference(
  stream: ModelStream,
  onProgress: ProgressCallback | undefined,
  sizes: BackendSizes,
): Promise<InferenceBackend> {
  return readingAsParse(
    stream,
    onProgress,
    async (reported) => new CpuBackend(await collectModel(reported), sizes.maxSessions),
  );
}

/** Runs `open` over the stream with the bytes it reads reported as the `parse` phase (the CPU backends' loads). */
async function readingAsParse(
  stream: ModelStream,
  onProgress: ProgressCallback | undefined,
  open: (reported: ModelStream) => Promise<InferenceBackend>,
): Promise<InferenceBackend> {
  const progress = new PhaseProgress('parse', stream.bytes ?? 0, onProgress);
  progress.set(stream.bytesRead);
  const backend = await open(reportingProgress(stream, progress));
  progress.finish();
  return backend;
}

async function requestWebGpu(): Promise<GpuContext> {
  if (typeof navigator === 'undefined' || navigator.gpu === undefined) {
    throw new WebGPUUnavailableError('this environment has no WebGPU (navigator.gpu is undefined).');
  }
  return requestGpuDevice({ label: 'rwkv-webgpu engine' });
}
