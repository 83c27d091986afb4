/**
 * rwkv-webgpu: RWKV language models in the browser on WebGPU (or the CPU), in a Web Worker. The package entry:
 * `createEngine` and its types, the model store (`models`), and the typed errors. See docs/api.md.
 */
export { createEngine, Engine, DEFAULT_MAX_SESSIONS, DEFAULT_PREFILL_CHUNK_SIZE } from './engine/engine.js';
export type { EngineDescription, EngineOptions, SavedSessionList, SessionOptions } from './engine/engine.js';
export { Session } from './engine/session.js';
export { ChatCompletions } from './engine/chat.js';
export type { ChatCompletion, ChatCompletionChunk, ChatCompletionMessage, ToolCallDelta } from './engine/chat.js';
export type { ChatFinishReason } from './engine/chat-answer.js';
export type { ChatCompletionRequest, ChatResponseFormat, ToolChoice } from './engine/chat-request.js';
export type { ChatCompletionUsage } from './engine/chat-usage.js';
export type { ChatLogprobs, ChatTokenLogprob, ChatTopLogprob } from './engine/chat-logprobs.js';
export { CHAT_STOP, formatChatPrompt } from './engine/chat-format.js';
export type {
  ChatMessage,
  ChatRole,
  ConversationMessage,
  ToolCallMessage,
  ToolResultMessage,
} from './engine/chat-format.js';
export type { ToolCall, ToolDefinition } from './engine/tool-format.js';
export type { PrefillInput } from './protocol/core-api.js';
export type {
  EngineEvent,
  EngineEventCallback,
  EngineInfo,
  EvaluateResult,
  FinishReason,
  GeneratedToken,
  GenerateOptions,
  GenerationStats,
  LoraOptions,
  ModelFiles,
  ModelInput,
  ResponseFormat,
  TokenAlternative,
  TokenLogprobs,
  WarningEvent,
} from './protocol/types.js';
export type { BackendChoice, BackendKind } from './backend/backend.js';
export type { LoadPhase, LoadProgress } from './progress.js';
export type { Generation, SourceType, TokenizerKind } from './model/spec.js';
export type { State } from './model/state.js';
export {
  AbortError,
  CpuThreadError,
  DeviceLostError,
  GpuOutOfMemoryError,
  GrammarError,
  ModelFormatError,
  QuotaError,
  RwkvError,
  TokenizerMismatchError,
  WebGPUUnavailableError,
} from './errors.js';
export {
  createModelStore,
  DEFAULT_CHUNK_SIZE,
  DownloadError,
  ModelIntegrityError,
  ModelNotStoredError,
  models,
} from './storage/index.js';
export type { CheckpointInfo } from './storage/checkpoint-store.js';
export type { SavedCheckpointInfo } from './engine/saved-sessions.js';
export type { ModelDescription } from './model/spec.js';
export { CheckpointNotFoundError, StateFormatError, StateMismatchError } from './storage/state-errors.js';
export type {
  ImportOptions,
  ModelManifest,
  ModelSource,
  ModelStore,
  ModelStoreConfig,
  RetryPolicy,
  StoredModel,
  StoredModelInfo,
  StoreOptions,
  StoreUsage,
} from './storage/index.js';
