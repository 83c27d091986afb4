/**
 * Loads the engine's model again after its GPU device was lost (src/backend/recovering.ts): the same file (and LoRA
 * adapters), read
 * again from its start (from IndexedDB for a stored model, the held File or bytes, or its URL), streamed onto a new
 * adapter and device. With `fallback: 'cpu'` and no adapter left, the model is loaded on the CPU instead, saying so
 * through `onFallback`. The weights read must be those of the model loaded first (same identity), or the sessions'
 * states would not belong to them. Every failure is a DeviceLostError that says why and what to do.
 */
import { openBackend } from '../backend/open.js';
import type { BackendSizes, InferenceBackend } from '../backend/backend.js';
import type { DeviceLossFallback } from '../protocol/types.js';
import { DeviceLostError, WebGPUUnavailableError } from '../errors.js';
import { openModelStream } from '../formats/load.js';
import type { ModelIdentity } from '../storage/state-identity.js';
import type { OpenedAdapters } from './lora-adapters.js';
import type { ModelSource } from './model-source.js';
import { StreamFingerprint } from './stream-fingerprint.js';

export async function reopenModel(
  file: ModelSource,
  adapters: OpenedAdapters,
  identity: ModelIdentity,
  sizes: BackendSizes,
  fallback: DeviceLossFallback,
  onFallback: (message: string) => void,
): Promise<InferenceBackend> {
  let stream;
  try {
    stream = await openModelStream(await file.reopen(), { bytes: file.bytes, adapters: await adapters.reopen() });
  } catch (cause) {
    throw new DeviceLostError(
      `The GPU device was lost and the model file could not be read again (${String(cause)}): load the model ` +
        'again with createEngine.',
      { cause },
    );
  }
  const fingerprint = new StreamFingerprint();
  let backend: InferenceBackend;
  try {
    backend = await openBackend(
      fingerprint.wrap(stream),
      fallback === 'cpu' ? 'auto' : 'webgpu',
      {
        onWarning: (message) =>
          onFallback(
            `The GPU device was lost and no GPU is available any more, so the model runs on the CPU: ${message}`,
          ),
      },
      sizes,
    );
  } catch (cause) {
    if (!(cause instanceof WebGPUUnavailableError)) throw cause;
    await stream.close();
    throw new DeviceLostError(
      `The GPU device was lost and no GPU adapter is available any more (${cause.message}). Create the engine with ` +
        "fallback: 'cpu' to continue on the CPU, or try again later.",
      { cause },
    );
  }
  if (fingerprint.identity().modelId !== identity.modelId) {
    backend.dispose();
    throw new DeviceLostError(
      'The GPU device was lost and the model file read again is not the one loaded first: load the model again ' +
        'with createEngine.',
    );
  }
  return backend;
}
