/**
 * The engine core: owns the backend (weights and every session's state), the tokenizer and the scheduler, and
 * implements EngineCoreApi for the page side. It runs inside the Web Worker (src/worker/entry.ts) or, with
 * `worker: false` and in Node, in the current thread.
 *
 * Each session runs one operation at a time (prefill, logits, fork, generation…), in call order; different
 * sessions run concurrently and meet in the scheduler, which batches their decodes. Disposing a session aborts its
 * queued work; disposing the engine aborts everything, waits for the step in flight and frees the backend.
 */
import type { InferenceBackend, StateHandle } from '../backend/backend.js';
import { openBackend } from '../backend/open.js';
import { RecoveringBackend } from '../backend/recovering.js';
import type { EngineCoreApi, PrefillInput, SessionSnapshot } from '../protocol/core-api.js';
import type {
  CoreOptions,
  EngineEventCallback,
  EngineInfo,
  EvaluateResult,
  GenerateRequest,
  GenerationPull,
  ResolvedInput,
  WarningEvent,
} from '../protocol/types.js';
import { AbortError } from '../errors.js';
import { openModelStream } from '../formats/load.js';
import { observeRuns } from '../formats/tensor-stream.js';
import { checkTokenIds } from '../model/checks.js';
import type { State } from '../model/state.js';
import { NllAccumulator } from '../reference/nll-accumulator.js';
import type { ModelIdentity } from '../storage/state-identity.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { isTopCandidates, type DecodeOutput } from '../sampling/top-candidates.js';
import { GenerationPlan, runGeneration } from './generation.js';
import type { SessionCursor } from './generation.js';
import { openAdapters } from './lora-adapters.js';
import { openModelFiles } from './model-files.js';
import { openModelSource } from './model-source.js';
import { reopenModel } from './reopen-model.js';
import { Scheduler } from './scheduler.js';
import { StreamFingerprint } from './stream-fingerprint.js';
import { TokenChannel } from './token-channel.js';
import { assertTokenizerAsset, loadTokenizer } from './tokenizer-loader.js';
import { isKQuantType } from '../formats/k-quants.js';

/** Tokens a generation may run ahead of its reader. */
const CHANNEL_CAPACITY = 64;

interface SessionRecord extends SessionCursor {
  /** Aborted when the session is disposed. */
  readonly lifetime: AbortController;
  /** Settles when the session's last queued operation has. */
  tail: Promise<unknown>;
  /** Tokens prefilled since the last generation, and the time their prefill took. */
  promptTokens: number;
  prefillMs: number;
}

interface GenerationRecord {
  channel: TokenChannel;
  controller: AbortController;
}

export class EngineCore implements EngineCoreApi {
  private readonly sessions = new Map<number, SessionRecord>();
  private readonly generations = new Map<number, GenerationRecord>();
  private readonly scheduler: Scheduler;
  private readonly lifetime = new AbortController();
  private nextId = 1;

  private constructor(
    private readonly backend: InferenceBackend,
    private readonly tokenizer: Tokenizer,
    private readonly options: CoreOptions,
    private readonly warnings: string[],
    private readonly identity: ModelIdentity,
  ) {
    this.scheduler = new Scheduler(backend, { prefillChunkSize: options.prefillChunkSize });
  }

  /**
   * Loads the model and tokenizer and opens the backend, reporting progress and warnings to `onEvent`: the model
   * file comes from the model store where there is one (model-source.ts) and streams into the backend tensor by
   * tensor (src/backend/open.ts), which reports `parse`, `upload` and `compile`.
   */
  static async open(options: CoreOptions, onEvent?: EngineEventCallback, signal?: AbortSignal): Promise<EngineCore> {
    assertTokenizerAsset(options.tokenizer, options.vocab);
    const file = Array.isArray(options.model)
      ? await openModelFiles(options.model as readonly ResolvedInput[], onEvent, signal)
      : await openModelSource(options.model as ResolvedInput, onEvent, signal);
    const adapters = await openAdapters(options.lora, onEvent, signal);
    const stream = await openModelStream(file.source, { bytes: file.bytes, adapters: adapters.files });
    const tokenizer = await loadTokenizer(stream.nVocab, options.tokenizer, options.vocab, stream.vocabulary).catch(
      async (error) => {
        await stream.close();
        throw error;
      },
    );
    const fingerprint = new StreamFingerprint();
    const convertedTypes = new Set<string>();
    const abortable = observeRuns(stream, (tensor) => {
      if (signal?.aborted) throw new AbortError();
      if (isKQuantType(tensor.dataType)) convertedTypes.add(tensor.dataType.toUpperCase());
    });
    const warnings: string[] = [];
    const warn = (code: WarningEvent['code'], message: string) => {
      warnings.push(message);
      onEvent?.({ phase: 'warning', code, message });
    };
    const sizes = {
      maxSessions: options.maxSessions,
      chunkSize: options.prefillChunkSize,
      quantization: options.quantization,
      threads: options.threads,
    };
    const opened = await openBackend(
      fingerprint.wrap(abortable),
      options.backend,
      { onProgress: onEvent, onWarning: (message) => warn('webgpu-unavailable', message) },
      sizes,
    );
    let backend = opened;
    try {
      if (signal?.aborted) throw new AbortError();
      const identity = fingerprint.identity();
      if (convertedTypes.size > 0 && opened.description.kind === 'webgpu') {
        const types = [...convertedTypes].sort().join(', ');
        warn(
          'weights-converted',
          `${types} weights are held as f16 on the GPU (no K-quant kernels yet): rounded to the nearest f16`,
        );
      }
      await file.annotate({ format: stream.format, spec: opened.spec, modelId: identity.modelId });
      if (opened.lost !== undefined) {
        backend = new RecoveringBackend(opened, {
          reopen: () =>
            reopenModel(file, adapters, identity, sizes, options.fallback, (message) => warn('cpu-fallback', message)),
          onEvent: (event) => onEvent?.(event),
        });
      }
      onEvent?.({ phase: 'ready', loaded: backend.weightBytes, total: backend.weightBytes });
      return new EngineCore(backend, tokenizer, options, warnings, identity);
    } catch (error) {
      backend.dispose();
      throw error;
    }
  }

  async info(): Promise<EngineInfo> {
    const { spec, description } = this.backend;
    return {
      name: this.options.name,
      generation: spec.generation,
      nLayer: spec.nLayer,
      nEmbed: spec.nEmbed,
      nVocab: spec.nVocab,
      nHead: spec.nHead,
      headSize: spec.headSize,
      nFfn: spec.nFfn,
      weightType: spec.weightType,
      ...this.identity,
      tokenizer: this.tokenizer.kind,
      backend: description.kind,
      ...(description.adapter && { adapter: description.adapter }),
      ...(description.limits && { limits: description.limits }),
      ...(description.cpu && { cpu: description.cpu }),
      ...(this.backend.weights && { weights: this.backend.weights }),
      warnings: [...this.warnings],
    };
  }

  async encode(text: string): Promise<number[]> {
    return this.tokenizer.encode(text);
  }

  async decode(ids: number[] | Uint32Array): Promise<string> {
    return this.tokenizer.decode(ids);
  }

  async createSession(state?: State): Promise<number> {
    const handle = await this.allocateWith((fresh) => state && this.backend.writeState(fresh, state));
    return this.register(handle, undefined, [], []);
  }

  async forkSession(id: number): Promise<number> {
    const source = this.session(id);
    return this.serial(source, async () => {
      const logits = await this.wholeRow(source);
      const handle = await this.allocateWith((fresh) => this.backend.copyState(source.handle, fresh));
      return this.register(handle, logits?.slice(), [...source.unfed], [...source.history]);
    });
  }

  async disposeSession(id: number): Promise<void> {
    const session = this.session(id);
    this.sessions.delete(id);
    session.lifetime.abort();
    await session.tail.catch(() => undefined);
    this.backend.freeState(session.handle);
  }

  async prefill(id: number, input: PrefillInput): Promise<void> {
    const session = this.session(id);
    const tokens = this.tokens(input);
    if (tokens.length === 0) return;
    await this.serial(session, async () => {
      const startedAt = performance.now();
      await this.feed(session, tokens);
      session.history.push(...tokens);
      session.prefillMs += performance.now() - startedAt;
      session.promptTokens += tokens.length;
    });
  }

  async logits(id: number): Promise<Float32Array> {
    const session = this.session(id);
    return this.serial(session, async () => {
      await this.currentLogits(session);
      return (await this.wholeRow(session))!.slice();
    });
  }

  async exportState(id: number): Promise<State> {
    const session = this.session(id);
    return this.serial(session, async () => {
      await this.feedUnfed(session);
      return this.backend.readState(session.handle);
    });
  }

  async snapshotSession(id: number): Promise<SessionSnapshot> {
    const session = this.session(id);
    return this.serial(session, async () => {
      await this.feedUnfed(session);
      return {
        tokens: Uint32Array.from(session.history),
        logits: (await this.wholeRow(session))?.slice(),
        state: await this.backend.readState(session.handle),
      };
    });
  }

  async restoreSession(snapshot: SessionSnapshot): Promise<number> {
    const tokens = this.tokens(snapshot.tokens);
    const { nVocab } = this.backend.spec;
    if (snapshot.logits !== undefined && snapshot.logits.length !== nVocab) {
      throw new RangeError(`A snapshot's logits must have ${nVocab} values, not ${snapshot.logits.length}.`);
    }
    const handle = await this.allocateWith((fresh) => this.backend.writeState(fresh, snapshot.state));
    return this.register(handle, snapshot.logits?.slice(), [], [...tokens]);
  }

  async startGeneration(id: number, request: GenerateRequest): Promise<number> {
    const session = this.session(id);
    const plan = await GenerationPlan.create(request, this.backend.spec.nVocab, this.tokenizer);
    const generationId = this.nextId++;
    const generation: GenerationRecord = {
      channel: new TokenChannel(CHANNEL_CAPACITY),
      controller: new AbortController(),
    };
    this.generations.set(generationId, generation);
    const signal = AbortSignal.any([generation.controller.signal, session.lifetime.signal]);
    void this.serial(session, async () => {
      const prompt = { tokens: session.promptTokens, milliseconds: session.prefillMs };
      session.promptTokens = 0;
      session.prefillMs = 0;
      await runGeneration(session, plan, {
        scheduler: this.scheduler,
        tokenizer: this.tokenizer,
        currentLogits: () => this.currentLogits(session),
        wholeRow: async () => (await this.wholeRow(session))!,
        channel: generation.channel,
        signal,
        prompt,
      });
    }).catch((error: unknown) => generation.channel.fail(error));
    return generationId;
  }

  async pullGeneration(id: number): Promise<GenerationPull> {
    const running = this.generations.get(id);
    if (running === undefined) throw new RangeError(`No running generation ${id}.`);
    try {
      const pull = await running.channel.pull();
      if (pull.stats !== undefined) this.generations.delete(id);
      return pull;
    } catch (error) {
      this.generations.delete(id);
      throw error;
    }
  }

  async cancelGeneration(id: number): Promise<void> {
    const running = this.generations.get(id);
    if (running === undefined) return;
    this.generations.delete(id);
    running.controller.abort();
  }

  async evaluate(text: string): Promise<EvaluateResult> {
    const tokens = this.tokens(text);
    const accumulator = new NllAccumulator(tokens, this.backend.spec.nVocab);
    const handle = await this.allocate();
    try {
      await this.scheduler.prefill(handle, tokens, {
        onChunkLogits: (logits, start) => accumulator.add(logits, start),
        signal: this.lifetime.signal,
      });
    } finally {
      this.backend.freeState(handle);
    }
    return accumulator.result();
  }

  async dispose(): Promise<void> {
    if (this.lifetime.signal.aborted) return;
    this.lifetime.abort();
    for (const generation of this.generations.values()) generation.controller.abort();
    const sessions = [...this.sessions.values()];
    for (const session of sessions) session.lifetime.abort();
    this.scheduler.dispose();
    await Promise.allSettled(sessions.map((session) => session.tail));
    this.sessions.clear();
    this.backend.dispose();
  }

  private async allocate(): Promise<StateHandle> {
    if (this.lifetime.signal.aborted) throw new AbortError('The engine was disposed.');
    return this.backend.allocateState();
  }

  /** A new state, set up by `fill`; freed again when `fill` fails. */
  private async allocateWith(fill: (handle: StateHandle) => Promise<void> | undefined): Promise<StateHandle> {
    const handle = await this.allocate();
    try {
      await fill(handle);
    } catch (error) {
      this.backend.freeState(handle);
      throw error;
    }
    return handle;
  }

  private register(handle: StateHandle, logits: DecodeOutput | undefined, unfed: number[], history: number[]): number {
    const id = this.nextId++;
    this.sessions.set(id, {
      handle,
      logits,
      unfed,
      history,
      lifetime: new AbortController(),
      tail: Promise.resolve(),
      promptTokens: 0,
      prefillMs: 0,
    });
    return id;
  }

  private session(id: number): SessionRecord {
    const session = this.sessions.get(id);
    if (session === undefined) throw new RangeError(`Session ${id} does not exist (it was disposed).`);
    return session;
  }

  /** Runs `operation` after the session's previous operations; aborted ones do not stop the next. */
  private serial<T>(session: SessionRecord, operation: () => Promise<T>): Promise<T> {
    const run = session.tail.then(() => {
      if (session.lifetime.signal.aborted) throw new AbortError('The session was disposed.');
      return operation();
    });
    session.tail = run.catch(() => undefined);
    return run;
  }

  /** Feeds the unfed tokens, then `tokens`, to the session's state. */
  private async feed(session: SessionRecord, tokens: Uint32Array): Promise<void> {
    const all = session.unfed.length === 0 ? tokens : Uint32Array.from([...session.unfed, ...tokens]);
    session.logits = await this.scheduler.prefill(session.handle, all, { signal: session.lifetime.signal });
    session.unfed = [];
  }

  private async feedUnfed(session: SessionRecord): Promise<void> {
    if (session.unfed.length > 0) await this.feed(session, new Uint32Array(0));
  }

  /**
   * The session's logits as a whole row: read from the backend (which kept it) when its last decode returned only
   * the top candidates.
   */
  private async wholeRow(session: SessionRecord): Promise<Float32Array | undefined> {
    const logits = session.logits;
    if (logits === undefined || !isTopCandidates(logits)) return logits;
    if (!this.backend.readLogits) throw new Error('The backend returned top candidates but keeps no logits.');
    const row = await this.backend.readLogits(session.handle);
    session.logits = row;
    return row;
  }

  private async currentLogits(session: SessionRecord): Promise<DecodeOutput> {
    await this.feedUnfed(session);
    if (session.logits === undefined) {
      throw new RangeError('The session has seen no token yet: prefill() it before asking for logits or generating.');
    }
    return session.logits;
  }

  /** Token ids of a prefill or evaluate input, each checked against the vocabulary. */
  private tokens(input: PrefillInput): Uint32Array {
    const ids = typeof input === 'string' ? this.tokenizer.encode(input) : input;
    return checkTokenIds(ids, this.backend.spec.nVocab);
  }
}
