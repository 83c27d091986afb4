/**
 * Public API of the model store. The package entry re-exports `models` (the default store) and the types.
 */
import { createModelStore } from './model-store.js';

export { createModelStore } from './model-store.js';
export type { ImportOptions, ModelStore, ModelStoreConfig, StoreOptions, StoreUsage } from './model-store.js';
export type { StoredModel } from './reader.js';
export type { ModelManifest, ModelSource, StoredModelInfo } from './manifest.js';
export type { RetryPolicy } from './backoff.js';
export { DEFAULT_CHUNK_SIZE } from './layout.js';
export { DownloadError, ModelIntegrityError, ModelNotStoredError } from './errors.js';

/** The default model store (database 'rwkv-webgpu-models'). */
export const models = createModelStore();
