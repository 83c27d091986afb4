/**
 * Types of the public API shared by the page side (src/engine/) and the engine core (src/worker/): options, events,
 * engine info, generation options, streamed tokens and statistics. Everything the core receives or returns is plain
 * structured-cloneable data, so the same core runs in a Web Worker or in the current thread.
 */
import type { BackendChoice, BackendKind, CpuDescription } from '../backend/backend.js';
import type { RecoveryEvent } from '../backend/recovering.js';
import type { ModelDescription, SourceType, TokenizerKind } from '../model/spec.js';
import type { LoadProgress } from '../progress.js';
import type { LoadTimeQuantization } from '../quantize/load-time-formats.js';
import type { WeightsReport } from '../runtime/weights-report.js';
import type { SamplerOptions } from '../sampling/sampler.js';
import type { ThreadCount } from '../wasm/threads.js';

/** A model file: its URL, or its bytes (a File is a Blob). */
export type ModelInput = string | URL | Blob | ArrayBuffer | Uint8Array;

/**
 * A model split over several files (a Hugging Face folder): its weight files (safetensors or `pytorch_model*.bin`
 * shards, in any order), optionally with the index (`*.safetensors.index.json`, `pytorch_model.bin.index.json`) and
 * `config.json`; or only the index's URL, the shards it names then fetched from beside it.
 */
export type ModelFiles = readonly ModelInput[];

/** What the core receives: URLs made absolute on the page side (a worker resolves relative URLs differently). */
export type ResolvedInput = string | Blob | ArrayBuffer | Uint8Array;

/** A resolved model: one file, or the files of a model split over several (ModelFiles). */
export type ResolvedModel = ResolvedInput | readonly ResolvedInput[];

/**
 * A LoRA adapter merged into the weights at load (RWKV-PEFT's `lora_A` [r, in] / `lora_B` [out, r] pairs, and
 * the tensors it trained, which replace the base's): W += weight · alpha / r · B·A.
 */
export interface LoraOptions {
  /** The adapter file (`.pth` or safetensors): a URL or its bytes. */
  adapter: ModelInput;
  /** LoRA alpha, which the file does not store; default r (scale 1). */
  alpha?: number;
  /** How much of the adapter's update to add; default 1. */
  weight?: number;
}

export interface ResolvedLora extends Omit<LoraOptions, 'adapter'> {
  adapter: ResolvedInput;
}

/**
 * A warning: `webgpu-unavailable` once when `backend: 'auto'` falls back to the CPU at load because WebGPU is
 * unavailable; `cpu-fallback` when, after a GPU device loss, no adapter is left and `fallback: 'cpu'` moved the
 * model to the CPU; `download-restarted` when the model store discarded a partial download and started over from
 * byte 0 (the message says why: the file changed on the server); `weights-converted` when a file's weights are of a
 * type the GPU does not hold (GGUF K-quants): dequantized exactly, then rounded to f16 there (the message names the types).
 */
export interface WarningEvent {
  phase: 'warning';
  code: 'webgpu-unavailable' | 'cpu-fallback' | 'download-restarted' | 'weights-converted';
  message: string;
}

/**
 * Everything `onProgress` receives: loading progress (src/progress.ts), warnings, and a GPU device loss and the
 * recovery from it (`device-lost` with the reason, then `recovered` with the milliseconds it took — or, when the
 * recovery fails, every pending and later call rejects with DeviceLostError).
 */
export type EngineEvent = LoadProgress | WarningEvent | RecoveryEvent;

export type EngineEventCallback = (event: EngineEvent) => void;

/** What the engine does when the GPU device is lost and no adapter is left (see `EngineOptions.fallback`). */
export type DeviceLossFallback = 'cpu' | 'none';

/** The options of the engine core: those of `createEngine` minus what only the page side handles. */
export interface CoreOptions {
  model: ResolvedModel;
  /** LoRA adapters merged into the weights at load, in order. */
  lora: readonly ResolvedLora[];
  /** Shown in `info.name` and in chat completions' `model` field. */
  name: string;
  backend: BackendChoice;
  tokenizer?: TokenizerKind;
  /** The tokenizer's asset file (World vocabulary, Pile 20B JSON): a URL or its bytes. */
  vocab?: ResolvedInput;
  prefillChunkSize: number;
  /** Sessions held at once (the GPU's state slots). */
  maxSessions: number;
  /** After a GPU device loss with no adapter left: 'cpu' continues on the CPU, 'none' fails with DeviceLostError. */
  fallback: DeviceLossFallback;
  /** Load-time quantization of the GPU weights (createEngine's `quantize`, `quantizeHead`, `quantizeEmbedding`). */
  quantization: LoadTimeQuantization;
  /** Threads of the fast CPU backend (createEngine's `threads`). */
  threads: ThreadCount;
}

export interface EngineInfo extends ModelDescription {
  weightType: SourceType;
  /** SHA-256 of the model's shape and a fingerprint of its weights (docs/state-format.md): saved states carry it. */
  modelId: string;
  /** SHA-256 of the model's shape alone. */
  specHash: string;
  tokenizer: TokenizerKind;
  backend: BackendKind;
  /** The GPU adapter (WebGPU only). */
  adapter?: Record<string, string>;
  /** The GPU limits granted (WebGPU only). */
  limits?: Record<string, number>;
  /** The fast CPU backend's kernels, thread count and weight formats (backend 'cpu' only). */
  cpu?: CpuDescription;
  /**
   * What the weights take on the GPU (WebGPU only): per class of tensor (head, embedding, matrices, LoRA, vectors)
   * the GPU formats, the bytes allocated and the values held, and the total bytes.
   */
  weights?: WeightsReport;
  /** Warnings raised while loading (e.g. the CPU fallback). */
  warnings: string[];
}

/**
 * Constrained output (docs/structured-output.md): plain text, any JSON object, or JSON that validates against a
 * JSON Schema. Whitespace between JSON tokens is not generated (compact JSON), so a model cannot spin in it.
 */
export type ResponseFormat = { type: 'text' } | { type: 'json_object' } | { type: 'json_schema'; schema: object };

/** The options of `session.generate` that travel to the core. */
export interface GenerateRequest extends SamplerOptions {
  /** Constrains the output to JSON (any object, or one matching a schema); default `{ type: 'text' }`. */
  responseFormat?: ResponseFormat;
  /** A grammar in GBNF (llama.cpp's form, root rule `root`) the output must match; not with a JSON responseFormat. */
  grammar?: string;
  /** Most tokens to generate; default 256. */
  maxTokens?: number;
  /** Text that ends the generation; it is matched across token boundaries and never emitted. */
  stop?: string | string[];
  /** Token ids that end the generation; such a token is not emitted. */
  stopTokens?: number[];
  /** Attach `logprobs` to every generated token (docs/api.md: which distribution they describe). Default false. */
  logprobs?: boolean;
  /** With `logprobs`: how many of the most likely alternatives to list, 0..20. Default 0. */
  topLogprobs?: number;
}

export interface GenerateOptions extends GenerateRequest {
  /** Aborting ends the iteration with an AbortError within one token. */
  signal?: AbortSignal;
}

/** One generated token and the text it completes (possibly empty: UTF-8 pieces and possible stop strings wait). */
export interface GeneratedToken {
  token: number;
  text: string;
  /** With `logprobs: true`. */
  logprobs?: TokenLogprobs;
}

/** A token, its bytes and the natural logarithm of its probability in the distribution the sampler drew from. */
export interface TokenAlternative {
  token: number;
  bytes: number[];
  logprob: number;
}

/** The sampled token's log-probability and bytes, and the `topLogprobs` most likely tokens (most likely first). */
export interface TokenLogprobs {
  logprob: number;
  bytes: number[];
  top: TokenAlternative[];
}

/** Why a generation ended: a stop string, a stop token or a complete grammar; or `maxTokens`. */
export type FinishReason = 'stop' | 'length';

export interface GenerationStats {
  /** Tokens fed by `prefill` since the previous generation of the session. */
  promptTokens: number;
  /** Tokens sampled, a stop token included. */
  generatedTokens: number;
  /** promptTokens / the time their prefill took. */
  prefillTokensPerSecond: number;
  /** Tokens decoded after the first / the time from the first token to the end. */
  decodeTokensPerSecond: number;
  /** The prefill time plus the wait from `generate` to the first token, in milliseconds. */
  timeToFirstTokenMs: number;
  finishReason: FinishReason;
}

/** What one pull of a running generation returns: the tokens made since the last pull; `stats` once it ended. */
export interface GenerationPull {
  tokens: GeneratedToken[];
  stats?: GenerationStats;
}

export interface EvaluateResult {
  /** Number of tokens of the text (the first one is context only). */
  tokens: number;
  /** Mean negative log-likelihood of tokens 2..n given those before them, in nats per token. */
  nll: number;
  /** exp(nll). */
  perplexity: number;
}
