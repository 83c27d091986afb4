/**
 * The WebGPU backend: an adapter from InferenceBackend to the GPU runtime's forward pass (src/runtime/). The
 * runtime has not landed yet, so asking for WebGPU fails with WebGPUUnavailableError (and `auto` falls back to the
 * CPU with a warning) until this adapter is written over it.
 */
import { WebGPUUnavailableError } from '../errors.js';
import type { CanonicalModel } from '../model/spec.js';
import type { ProgressCallback } from '../progress.js';
import type { InferenceBackend } from './backend.js';

export async function openWebGpuBackend(
  _model: CanonicalModel,
  _onProgress: ProgressCallback | undefined,
): Promise<InferenceBackend> {
  throw new WebGPUUnavailableError('the WebGPU forward pass (src/runtime) is not part of this build yet.');
}
