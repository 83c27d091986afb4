/**
 * Opens the backend the caller chose. `cpu` is the reference forward pass. `webgpu` needs a GPU and fails with
 * WebGPUUnavailableError without one; `auto` then falls back to the CPU and says so through `onWarning`. The
 * WebGPU backend is imported only once a GPU is known to exist, so that Node (which cannot load WGSL files) never
 * loads it.
 */
import { WebGPUUnavailableError } from '../errors.js';
import type { CanonicalModel } from '../model/spec.js';
import type { ProgressCallback } from '../progress.js';
import type { BackendChoice, InferenceBackend } from './backend.js';
import { CpuBackend } from './cpu.js';

export interface BackendEvents {
  onProgress?: ProgressCallback;
  onWarning(message: string): void;
}

export async function openBackend(
  model: CanonicalModel,
  choice: BackendChoice,
  events: BackendEvents,
): Promise<InferenceBackend> {
  if (choice === 'cpu') return new CpuBackend(model);
  try {
    return await openWebGpu(model, events.onProgress);
  } catch (error) {
    if (choice !== 'auto' || !(error instanceof WebGPUUnavailableError)) throw error;
    events.onWarning(`WebGPU is unavailable, so the model runs on the CPU (much slower): ${error.message}`);
    return new CpuBackend(model);
  }
}

async function openWebGpu(model: CanonicalModel, onProgress: ProgressCallback | undefined): Promise<InferenceBackend> {
  if (typeof navigator === 'undefined' || navigator.gpu === undefined) {
    throw new WebGPUUnavailableError('this environment has no WebGPU (navigator.gpu is undefined).');
  }
  const { openWebGpuBackend } = await import('./webgpu.js');
  return openWebGpuBackend(model, onProgress);
}
