/**
 * `createEngine` and the Engine: the page-side face of an engine core that runs in a module Web Worker (the
 * default where `Worker` exists) or, with `worker: false` and in Node, in the current thread. Either way the page
 * holds only this thin object; the model, the states and the scheduler live in the core.
 */
import type { BackendChoice } from '../backend/backend.js';
import { AbortError } from '../errors.js';
import type { State } from '../model/state.js';
import type { TokenizerKind } from '../model/spec.js';
import { throwIfAborted, untilAborted } from './abort.js';
import { ChatCompletions } from './chat.js';
import type { EngineCoreApi } from './core-api.js';
import { Session } from './session.js';
import type {
  CoreOptions,
  EngineEventCallback,
  EngineInfo,
  EvaluateResult,
  ModelInput,
  ResolvedInput,
} from './types.js';

export interface EngineOptions {
  /** The model file: a URL (string or URL, fetched), or its bytes (File, Blob, ArrayBuffer, Uint8Array). */
  model: ModelInput;
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
  /** Most prompt tokens fed in one scheduler step, between two decode steps of the other sessions; default 64. */
  prefillChunkSize?: number;
}

export const DEFAULT_PREFILL_CHUNK_SIZE = 64;

const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'webgpu', 'cpu'];

export class Engine {
  /** The model's shape, weight type, tokenizer, backend (and GPU adapter and limits), and load warnings. */
  readonly info: EngineInfo;
  /** The engine's tokenizer (it runs in the core, hence async). */
  readonly tokenizer: {
    encode(text: string): Promise<number[]>;
    decode(ids: number[] | Uint32Array): Promise<string>;
  };
  /** OpenAI-shaped chat completions in the RWKV chat format. */
  readonly chat: { completions: ChatCompletions };
  private disposed = false;

  /** @internal Engines come from `createEngine`. */
  constructor(
    private readonly core: EngineCoreApi,
    info: EngineInfo,
    private readonly release: () => void,
  ) {
    this.info = info;
    this.tokenizer = { encode: (text) => core.encode(text), decode: (ids) => core.decode(ids) };
    this.chat = {
      completions: new ChatCompletions({ createSession: () => this.createSession(), modelName: info.name }),
    };
  }

  /** A new session: a fresh state, or the copy of one from `session.exportState()`. */
  async createSession(state?: State): Promise<Session> {
    return new Session(this.core, await this.core.createSession(state));
  }

  /** Per-token negative log-likelihood (nats) and perplexity of `text` under the model. */
  evaluate(text: string): Promise<EvaluateResult> {
    return this.core.evaluate(text);
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
    return new Engine(core, await core.info(), release);
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
  return {
    model: resolveInput(options.model, 'model'),
    name: modelName(options.model),
    backend,
    tokenizer: options.tokenizer,
    vocab: options.vocab === undefined ? undefined : resolveInput(options.vocab, 'vocab'),
    prefillChunkSize: options.prefillChunkSize ?? DEFAULT_PREFILL_CHUNK_SIZE,
  };
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

/** The file name of a URL or File, else "rwkv". */
function modelName(input: ModelInput): string {
  if (typeof File !== 'undefined' && input instanceof File) return input.name;
  if (typeof input === 'string' || input instanceof URL) {
    const path = String(input).split(/[?#]/)[0];
    return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1)) || 'rwkv';
  }
  return 'rwkv';
}
