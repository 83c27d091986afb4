/**
 * `createEngine` and the Engine: the page-side face of an engine core that runs in a module Web Worker (the
 * default where `Worker` exists) or, with `worker: false` and in Node, in the current thread. Either way the page
 * holds only this thin object; the model, the states and the scheduler live in the core. Saved sessions
 * (checkpoints, state files, the prefix cache) are handled on this side, in SavedSessions.
 */
import type { BackendChoice } from '../backend/backend.js';
import { AbortError } from '../errors.js';
import type { State } from '../model/state.js';
import type { WeightQuantization } from '../quantize/load-time-formats.js';
import type { TokenizerKind } from '../model/spec.js';
import type { ThreadCount } from '../wasm/threads.js';
import { checkpointStore } from '../storage/checkpoint-store.js';
import type { CheckpointStore } from '../storage/checkpoint-store.js';
import { throwIfAborted, untilAborted } from './abort.js';
import { ChatCompletions } from './chat.js';
import type { EngineCoreApi, PrefillInput } from '../protocol/core-api.js';
import { InitialStates } from './initial-states.js';
import { SavedSessions } from './saved-sessions.js';
import type { SavedCheckpointInfo } from './saved-sessions.js';
import { Session } from './session.js';
import type {
  CoreOptions,
  DeviceLossFallback,
  EngineEventCallback,
  EngineInfo,
  EvaluateResult,
  LoraOptions,
  ModelFiles,
  ModelInput,
  ResolvedInput,
  ResolvedLora,
  ResolvedModel,
} from '../protocol/types.js';

export interface EngineOptions {
  /**
   * The model file: a URL (string or URL, fetched), or its bytes (File, Blob, ArrayBuffer, Uint8Array); or, for a
   * model split over several files (a Hugging Face folder), a list of them (ModelFiles).
   */
  model: ModelInput | ModelFiles;
  /** Default 'auto': WebGPU when available, else the CPU with a warning event. */
  backend?: BackendChoice;
  /** Default: from the model's vocabulary size (256 → bytes, 65536 → world, 50277/50304 → pile20b). */
  tokenizer?: TokenizerKind;
  /** The tokenizer's file (rwkv_vocab_v20230424.txt for world, 20B_tokenizer.json for pile20b). */
  vocab?: ModelInput;
  /** Loading progress (download/parse/upload/compile/ready) and warnings. */
  onProgress?: EngineEventCallback;
  /** Aborts loading (the promise rejects with an AbortError). */
  signal?: AbortSignal;
  /** Run the core in a Web Worker; default true where `Worker` exists (browsers), false elsewhere (Node). */
  worker?: boolean;
  /**
   * Most prompt tokens fed in one step, between two decode steps of the other sessions; also the largest step the
   * GPU forward pass is built for. Default 64.
   */
  prefillChunkSize?: number;
  /**
   * Sessions the engine holds at once (the GPU's state slots, allocated at load: each takes the state's size in GPU
   * memory); creating one more fails until one is disposed. Default 16.
   */
  maxSessions?: number;
  /**
   * How the GPU and the fast CPU backend store the weights (docs/api.md): 'none' (default) keeps the file's own
   * format — quantized blocks (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1) stay blocks, f16 stays f16 (bf16 becomes f16 on the
   * GPU, f32 on the CPU), f32 stays f32; 'q8' and 'q4' quantize the f16 / bf16 / f32 matrices at load (Q8_0 blocks,
   * 1.0625 bytes per weight; 4-bit blocks, about 0.6), never re-quantizing blocks the file already has. The
   * reference backend computes on the file's values whatever this says.
   */
  quantize?: WeightQuantization;
  /** With `quantize` 'q8' or 'q4': quantize the head too (default true); false keeps it in f16. */
  quantizeHead?: boolean;
  /** With `quantize` 'q8' or 'q4': quantize the embedding too (default true); false keeps it in f16. */
  quantizeEmbedding?: boolean;
  /**
   * When the GPU device is lost the engine reloads the model on a new one and restores every session (events
   * `device-lost`, `recovered`). When no GPU adapter is left: 'cpu' continues on the CPU (a `cpu-fallback` warning),
   * 'none' (default) fails every pending and later call with DeviceLostError.
   */
  fallback?: DeviceLossFallback;
  /**
   * LoRA adapters merged into the weights at load, before upload (docs/formats.md, "LoRA adapters"); the merged
   * model has its own identity (`info.modelId`). Needs a `.pth`, safetensors or Hugging Face model.
   */
  lora?: readonly LoraOptions[];
  /**
   * Threads the CPU backend splits its matrix products over (docs/cpu.md, "Threads"): 'auto' (default) one per core,
   * at most 4; a number, at most that many. More than one needs shared memory: a cross-origin-isolated page (the
   * engine's Web Worker starts the threads) or Node (worker_threads); elsewhere the backend runs on one thread.
   * `info.cpu.threads` says how many it runs on.
   */
  threads?: ThreadCount;
  /**
   * IndexedDB database of saved sessions and the prefix cache; default 'rwkv-webgpu-sessions'. In Node (no
   * IndexedDB) they are kept in memory for the life of the process, one store per name.
   */
  sessionDatabase?: string;
}

/** What `engine.createSession` starts from besides a fresh or given state. */
export interface SessionOptions {
  /**
   * Text or token ids the session reads first, typically a system prompt: the state after exactly these tokens is
   * cached (per model) and later sessions with the same prefix start from it instead of reading it again.
   */
  prefix?: PrefillInput;
  /**
   * The name of an initial state loaded with `engine.loadState` (a state-tuning file): the session starts from it
   * instead of a fresh state (then reads `prefix`, if given, without the prefix cache).
   */
  state?: string;
}

/** `engine.info`: the loaded model and backend, and the names of the initial states loaded with `loadState`. */
export type EngineDescription = EngineInfo & { readonly initialStates: readonly string[] };

/** The saved sessions (checkpoints) of the engine's store, of every model. */
export interface SavedSessionList {
  /** Every checkpoint of every model; `orphaned` when its model is gone from the model store. */
  list(): Promise<SavedCheckpointInfo[]>;
  /** Removes a checkpoint; false when there was none under `key`. */
  delete(key: string): Promise<boolean>;
}

export const DEFAULT_PREFILL_CHUNK_SIZE = 64;
export const DEFAULT_MAX_SESSIONS = 16;

const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'webgpu', 'cpu', 'reference'];

const FALLBACKS: readonly DeviceLossFallback[] = ['none', 'cpu'];

/** The values of `quantize`. */
export const WEIGHT_QUANTIZATIONS: readonly WeightQuantization[] = ['none', 'q8', 'q4'];

export class Engine {
  /**
   * The model's shape, weight type, tokenizer, backend (and GPU adapter and limits), load warnings, and the initial
   * states loaded with `loadState`.
   */
  readonly info: EngineDescription;
  /** The engine's tokenizer (it runs in the core, hence async). */
  readonly tokenizer: {
    encode(text: string): Promise<number[]>;
    decode(ids: number[] | Uint32Array): Promise<string>;
  };
  /** OpenAI-shaped chat completions in the RWKV chat format. */
  readonly chat: { completions: ChatCompletions };
  /** Checkpoints saved with `session.save(key)`. */
  readonly sessions: SavedSessionList;
  private readonly saved: SavedSessions;
  private readonly initialStates: InitialStates;
  private disposed = false;

  /** @internal Engines come from `createEngine`. */
  constructor(
    private readonly core: EngineCoreApi,
    info: EngineInfo,
    private readonly release: () => void,
    store: CheckpointStore,
  ) {
    this.initialStates = new InitialStates(info);
    this.info = { ...info, initialStates: this.initialStates.names };
    this.saved = new SavedSessions(core, info, store);
    this.sessions = { list: () => this.saved.list(), delete: (key) => this.saved.delete(key) };
    this.tokenizer = { encode: (text) => core.encode(text), decode: (ids) => core.decode(ids) };
    this.chat = {
      completions: new ChatCompletions({
        createSession: () => this.createSession(),
        encode: (text) => core.encode(text),
        modelName: info.name,
      }),
    };
  }

  /**
   * A new session: a fresh state, a copy of a bare state from `session.exportState()`, the initial state `state`
   * loaded with `loadState`, and/or one that has read `prefix` (from the prefix cache when this model read exactly
   * that prefix before from a fresh state).
   */
  async createSession(from?: State | SessionOptions): Promise<Session> {
    if (from !== undefined && 'data' in from) return this.session(this.core.createSession(from));
    const { prefix, state } = from ?? {};
    if (state !== undefined) return this.session(this.fromInitialState(this.initialStates.get(state), prefix));
    return this.session(prefix === undefined ? this.core.createSession() : this.saved.withPrefix(prefix));
  }

  /**
   * Reads a state-tuning file (RWKV-PEFT's `blocks.N.att.time_state` tensors, `.pth` or safetensors; a File, bytes
   * or a URL whose server answers Range requests) as the initial state `name`, for `createSession({ state: name })`;
   * listed in `info.initialStates`. A file for another model shape is refused with StateMismatchError, a file that
   * is not a state-tuning file with ModelFormatError.
   */
  async loadState(file: ModelInput, options: { name: string }): Promise<void> {
    await this.initialStates.load(resolveInput(file, 'state-tuning file'), options?.name);
  }

  private async fromInitialState(state: State, prefix: PrefillInput | undefined): Promise<number> {
    const session = await this.core.createSession(state);
    if (prefix === undefined) return session;
    try {
      await this.core.prefill(session, prefix);
    } catch (error) {
      await this.core.disposeSession(session);
      throw error;
    }
    return session;
  }

  /** The session saved under `key` by `session.save(key)`, exactly as it was (its last logits included). */
  restoreSession(key: string): Promise<Session> {
    return this.session(this.saved.restore(key));
  }

  /**
   * A session from a state file (`session.exportStateBlob()`), exactly as it was exported. A state of another
   * model is refused with StateMismatchError, a file that is not a state file with StateFormatError.
   */
  async importState(file: Blob | ArrayBuffer | Uint8Array): Promise<Session> {
    const bytes = file instanceof Blob ? await file.arrayBuffer() : file;
    return this.session(this.saved.importBytes(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)));
  }

  /** Per-token negative log-likelihood (nats) and perplexity of `text` under the model. */
  evaluate(text: string): Promise<EvaluateResult> {
    return this.core.evaluate(text);
  }

  private async session(id: Promise<number>): Promise<Session> {
    return new Session(this.core, this.saved, await id);
  }

  /** Aborts every session's work and frees the model, the states and the worker. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    try {
      await this.core.dispose();
    } finally {
      this.release();
    }
  }
}

export async function createEngine(options: EngineOptions): Promise<Engine> {
  const coreOptions = resolveOptions(options);
  const store = checkpointStore(options.sessionDatabase);
  const { signal, onProgress } = options;
  throwIfAborted(signal);
  const useWorker = options.worker ?? typeof Worker !== 'undefined';
  if (useWorker && typeof Worker === 'undefined') {
    throw new TypeError('worker: true needs Web Workers, which this environment lacks: pass worker: false.');
  }
  let core: EngineCoreApi;
  let release = () => undefined as void;
  if (useWorker) {
    const { openWorkerCore } = await import('./worker-client.js');
    ({ core, terminate: release } = await openWorkerCore(coreOptions, onProgress, signal));
  } else {
    const { EngineCore } = await import('../worker/core.js');
    const opening = EngineCore.open(coreOptions, onProgress, signal);
    core = await untilAborted(
      opening,
      signal,
      () =>
        void opening.then(
          (late) => late.dispose(),
          () => undefined,
        ),
    );
  }
  try {
    if (signal?.aborted) throw new AbortError();
    return new Engine(core, await core.info(), release, store);
  } catch (error) {
    await core.dispose().finally(release);
    throw error;
  }
}

function resolveOptions(options: EngineOptions): CoreOptions {
  if (options === null || typeof options !== 'object' || options.model === undefined) {
    throw new TypeError('createEngine needs { model }: a URL, File, Blob, ArrayBuffer or Uint8Array.');
  }
  const backend = options.backend ?? 'auto';
  if (!BACKEND_CHOICES.includes(backend)) {
    throw new TypeError(`backend must be one of ${BACKEND_CHOICES.join(', ')}, not ${JSON.stringify(backend)}.`);
  }
  const fallback = options.fallback ?? 'none';
  if (!FALLBACKS.includes(fallback)) {
    throw new TypeError(`fallback must be one of ${FALLBACKS.join(', ')}, not ${JSON.stringify(fallback)}.`);
  }
  const quantize = options.quantize ?? 'none';
  if (!WEIGHT_QUANTIZATIONS.includes(quantize)) {
    throw new TypeError(
      `quantize must be one of ${WEIGHT_QUANTIZATIONS.join(', ')}, not ${JSON.stringify(options.quantize)}.`,
    );
  }
  return {
    fallback,
    quantization: {
      quantize,
      head: optionalBoolean('quantizeHead', options.quantizeHead),
      embedding: optionalBoolean('quantizeEmbedding', options.quantizeEmbedding),
    },
    model: resolveModel(options.model),
    lora: resolveLora(options.lora ?? []),
    name: modelName(Array.isArray(options.model) ? (options.model as ModelFiles)[0] : (options.model as ModelInput)),
    backend,
    tokenizer: options.tokenizer,
    vocab: options.vocab === undefined ? undefined : resolveInput(options.vocab, 'vocab'),
    prefillChunkSize: options.prefillChunkSize ?? DEFAULT_PREFILL_CHUNK_SIZE,
    maxSessions: positiveInteger('maxSessions', options.maxSessions ?? DEFAULT_MAX_SESSIONS),
    threads:
      options.threads === 'auto' || options.threads === undefined
        ? 'auto'
        : positiveInteger('threads', options.threads),
  };
}

function optionalBoolean(name: string, value: boolean | undefined): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new TypeError(`${name} must be true or false, not ${JSON.stringify(value)}.`);
  }
  return value;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new TypeError(`${name} must be a positive integer, not ${value}.`);
  return value;
}

/** URLs become absolute against the page (a worker would resolve them against its own script). */
function resolveInput(input: ModelInput, what: string): ResolvedInput {
  if (typeof input === 'string' || input instanceof URL) {
    const base = typeof location === 'undefined' ? undefined : location.href;
    try {
      return new URL(input, base).href;
    } catch {
      throw new TypeError(`${what} ${JSON.stringify(String(input))} is not a valid URL.`);
    }
  }
  if (input instanceof Blob || input instanceof ArrayBuffer || input instanceof Uint8Array) return input;
  throw new TypeError(`${what} must be a URL, File, Blob, ArrayBuffer or Uint8Array.`);
}

function resolveModel(model: ModelInput | ModelFiles): ResolvedModel {
  if (!Array.isArray(model)) return resolveInput(model as ModelInput, 'model');
  if (model.length === 0) throw new TypeError('model is an empty list of files.');
  return (model as ModelFiles).map((file, i) => resolveInput(file, `model file ${i + 1}`));
}

function resolveLora(lora: readonly LoraOptions[]): ResolvedLora[] {
  if (!Array.isArray(lora)) throw new TypeError('lora must be a list of { adapter, alpha?, weight? }.');
  return lora.map((entry: LoraOptions, i) => {
    if (entry === null || typeof entry !== 'object' || entry.adapter === undefined) {
      throw new TypeError(`lora[${i}] needs { adapter }: a URL, File, Blob, ArrayBuffer or Uint8Array.`);
    }
    for (const key of ['alpha', 'weight'] as const) {
      const value = entry[key];
      if (value !== undefined && !Number.isFinite(value)) {
        throw new TypeError(`lora[${i}].${key} must be a finite number, not ${String(value)}.`);
      }
    }
    return { adapter: resolveInput(entry.adapter, `lora[${i}].adapter`), alpha: entry.alpha, weight: entry.weight };
  });
}

/** The file name of a URL or File, else "rwkv". */
function modelName(input: ModelInput): string {
  if (typeof File !== 'undefined' && input instanceof File) return input.name;
  if (typeof input === 'string' || input instanceof URL) {
    const path = String(input).split(/[?#]/)[0];
    return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1)) || 'rwkv';
  }
  return 'rwkv';
}
