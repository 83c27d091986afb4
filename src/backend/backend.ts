/**
 * The small interface the scheduler drives: a model that owns its weights and any number of recurrent states
 * (addressed by handles), and runs prefill (many tokens of one state) and batched decode (one token for each of
 * several states). The CPU backend wraps the fast WebAssembly forward pass, the reference backend the oracle; the
 * WebGPU backend wraps the GPU runtime.
 */
import type { DeviceLostError } from '../errors.js';
import type { ModelSpec } from '../model/spec.js';
import type { State } from '../model/state.js';
import type { LoadTimeQuantization } from '../quantize/load-time-formats.js';
import type { WeightsReport } from '../runtime/weights-report.js';
import type { CompactFormat } from '../wasm/kernels.js';
import type { ThreadCount } from '../wasm/threads.js';
import type { DecodeOutput } from '../sampling/top-candidates.js';

/** `cpu`: the fast CPU backend (WebAssembly SIMD); `reference`: the CPU oracle (exact, slow; tests, debugging). */
export type BackendKind = 'cpu' | 'webgpu' | 'reference';

/** What the caller asks for: `auto` is WebGPU when available, else the fast CPU backend (with a warning). */
export type BackendChoice = 'auto' | BackendKind;

/** Opaque name of one recurrent state held by a backend. */
export type StateHandle = number;

/**
 * How much a backend is sized for and how it stores the weights: set by the engine options `maxSessions`,
 * `prefillChunkSize`, `quantize` (with `quantizeHead`, `quantizeEmbedding`) and `threads`.
 */
export interface BackendSizes {
  /** States held at once (the GPU's state slots); allocating one more fails. */
  maxSessions: number;
  /** Most tokens one prefill step takes (the scheduler's chunk, and the GPU step's largest). */
  chunkSize: number;
  /**
   * Load-time quantization of the weights on the GPU and the fast CPU backend; default none (the reference backend
   * computes on the file's values whatever it says).
   */
  quantization?: LoadTimeQuantization;
  /** Threads of the fast CPU backend's matrix products (src/wasm/threads.ts); default 'auto'. */
  threads?: ThreadCount;
}

/** What a backend runs on, for `engine.info`. */
export interface BackendDescription {
  kind: BackendKind;
  /** The GPU adapter (vendor, architecture, device, description); absent on the CPU. */
  adapter?: Record<string, string>;
  /** The device limits granted (WebGPU), by name. */
  limits?: Record<string, number>;
  /** The fast CPU backend's kernels, threads and the bytes of its weights in each compact format. */
  cpu?: CpuDescription;
}

export interface CpuDescription {
  /** The WebAssembly kernels (every generation has a fast layer). */
  kernels: 'wasm-simd128';
  /** Threads the matrix products run on (1 unless the environment allows shared memory and workers). */
  threads: number;
  /** Bytes of linear weights kept in each format (f32, f16 and ggml's blocks q8_0, q4_0, q4_1, q5_0, q5_1). */
  weightFormats: Partial<Record<CompactFormat, number>>;
}

export interface InferenceBackend {
  readonly spec: ModelSpec;
  readonly description: BackendDescription;
  /** Bytes the weights occupy (GPU memory, or f32 arrays on the CPU). */
  readonly weightBytes: number;
  /** What the weights take on the GPU, per class of tensor (WebGPU only). */
  readonly weights?: WeightsReport;
  /** Most states one `decode` call takes. */
  readonly maxBatch: number;
  /** Resolves once the device under the backend is lost (also after `dispose`); absent where none can be (CPU). */
  readonly lost?: Promise<DeviceLostError>;
  /** A fresh state (zeros; v4's pp at −1e30). */
  allocateState(): Promise<StateHandle>;
  freeState(handle: StateHandle): void;
  /** Overwrites `target`'s state with a copy of `source`'s. */
  copyState(source: StateHandle, target: StateHandle): Promise<void>;
  readState(handle: StateHandle): Promise<State>;
  writeState(handle: StateHandle, state: State): Promise<void>;
  /**
   * Feeds tokens to one state and returns the logits of the last position ([nVocab]) or, with `allLogits`, of every
   * position ([tokens.length × nVocab]).
   */
  prefill(handle: StateHandle, tokens: Uint32Array, options?: { allLogits?: boolean }): Promise<Float32Array>;
  /** Feeds `tokens[i]` to `handles[i]` for every i at once; returns each state's logits ([nVocab] each). */
  decode(handles: readonly StateHandle[], tokens: Uint32Array): Promise<Float32Array[]>;
  /**
   * `decode` where state i needs only its top `candidates[i]` candidates (0: its whole row; at most MAX_CANDIDATES of
   * src/sampling/top-candidates.ts): such a state's output may be its TopCandidates, selected where the logits are
   * and read back instead of the row. Absent on backends whose logits are on the CPU anyway (use `decode`).
   */
  decodeSelecting?(
    handles: readonly StateHandle[],
    tokens: Uint32Array,
    candidates: readonly number[],
  ): Promise<DecodeOutput[]>;
  /** The whole row of logits of a state whose last step was a `decodeSelecting` that returned its candidates. */
  readLogits?(handle: StateHandle): Promise<Float32Array>;
  /** Frees the weights and every state; the backend is unusable afterwards. */
  dispose(): void;
}
