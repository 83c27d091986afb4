/**
 * The scheduler: one queue of backend work for every session of an engine. Each step first yields to the event
 * loop (so that requests made meanwhile join it and aborts are seen), then runs
 *   1. every waiting decode (one token for each of several states) as ONE batched backend call (or as few as the
 *      backend's maxBatch allows), and
 *   2. one chunk of at most `prefillChunkSize` tokens of one waiting prefill (prefills take turns).
 * A long prompt therefore never holds up the other sessions for more than one chunk, and a generation that awaits
 * its decode and at once asks for the next joins the very next batch. An aborted request leaves the queue before
 * its next step. Each decode says how many top candidates of its row suffice (its sampler's need); one batch may mix
 * sessions wanting whole rows and candidates.
 */
import type { InferenceBackend, StateHandle } from '../backend/backend.js';
import { AbortError } from '../errors.js';
import type { DecodeOutput } from '../sampling/top-candidates.js';

export interface SchedulerOptions {
  /** Largest number of tokens fed to one state in one step. */
  prefillChunkSize: number;
}

export interface PrefillRequest {
  /** Called with the logits of every position of each chunk ([count × nVocab]), first position `start`. */
  onChunkLogits?: (logits: Float32Array, start: number) => void;
  signal?: AbortSignal;
}

interface Pending<T> {
  handle: StateHandle;
  signal: AbortSignal | undefined;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

interface DecodeJob extends Pending<DecodeOutput> {
  token: number;
  /** Top candidates that suffice (0: the whole row). */
  candidates: number;
}

interface PrefillJob extends Pending<Float32Array> {
  tokens: Uint32Array;
  done: number;
  onChunkLogits: PrefillRequest['onChunkLogits'];
}

export class Scheduler {
  private decodes: DecodeJob[] = [];
  private readonly prefills: PrefillJob[] = [];
  /** States with a request in the queue or in flight: one request per state at a time. */
  private readonly busy = new Set<StateHandle>();
  private running = false;
  private disposed = false;

  constructor(
    private readonly backend: InferenceBackend,
    private readonly options: SchedulerOptions,
  ) {
    if (!Number.isInteger(options.prefillChunkSize) || options.prefillChunkSize < 1) {
      throw new RangeError(`prefillChunkSize must be a positive integer, not ${options.prefillChunkSize}.`);
    }
  }

  /**
   * Feeds one token to a state in the next batched step; resolves with the state's new logits — or, when
   * `candidates` ≥ 1 suffice and the backend selects them (WebGPU), with that state's top candidates only.
   */
  decode(handle: StateHandle, token: number, signal?: AbortSignal, candidates = 0): Promise<DecodeOutput> {
    return this.enqueue(handle, signal, (job) => this.decodes.push({ ...job, token, candidates }));
  }

  /**
   * Feeds tokens to a state, a chunk per step; resolves with the logits of the last position. With
   * `onChunkLogits`, every chunk runs with the logits of all its positions and hands them over.
   */
  prefill(handle: StateHandle, tokens: Uint32Array, request: PrefillRequest = {}): Promise<Float32Array> {
    if (tokens.length === 0) return Promise.reject(new RangeError('prefill needs at least one token.'));
    return this.enqueue(handle, request.signal, (job) =>
      this.prefills.push({ ...job, tokens, done: 0, onChunkLogits: request.onChunkLogits }),
    );
  }

  /** Rejects every waiting request; the scheduler accepts no more. The backend is the caller's to dispose. */
  dispose(): void {
    this.disposed = true;
    const error = new AbortError('The engine was disposed.');
    for (const job of [...this.decodes.splice(0), ...this.prefills.splice(0)])
      this.settle(job, () => job.reject(error));
  }

  private enqueue<T>(handle: StateHandle, signal: AbortSignal | undefined, add: (job: Pending<T>) => void): Promise<T> {
    if (this.disposed) return Promise.reject(new AbortError('The engine was disposed.'));
    if (signal?.aborted) return Promise.reject(new AbortError());
    if (this.busy.has(handle)) {
      return Promise.reject(new Error(`State ${handle} already has a request in the scheduler.`));
    }
    this.busy.add(handle);
    const promise = new Promise<T>((resolve, reject) => add({ handle, signal, resolve, reject }));
    if (!this.running) void this.run();
    return promise;
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      do {
        await yieldToEventLoop();
        await this.decodeStep();
        await this.prefillStep();
      } while (!this.disposed && (this.decodes.length > 0 || this.prefills.length > 0));
    } finally {
      this.running = false;
    }
  }

  private async decodeStep(): Promise<void> {
    const waiting = this.decodes.splice(0).filter((job) => this.keepUnlessAborted(job));
    for (let start = 0; start < waiting.length; start += this.backend.maxBatch) {
      await this.decodeBatch(waiting.slice(start, start + this.backend.maxBatch));
    }
  }

  private async decodeBatch(batch: DecodeJob[]): Promise<void> {
    const tokens = Uint32Array.from(batch, (job) => job.token);
    const handles = batch.map((job) => job.handle);
    const candidates = batch.map((job) => job.candidates);
    try {
      const outputs =
        this.backend.decodeSelecting && candidates.some((count) => count > 0)
          ? await this.backend.decodeSelecting(handles, tokens, candidates)
          : await this.backend.decode(handles, tokens);
      batch.forEach((job, i) => this.settle(job, () => job.resolve(outputs[i])));
    } catch (error) {
      for (const job of batch) this.settle(job, () => job.reject(error));
    }
  }

  private async prefillStep(): Promise<void> {
    const job = this.prefills.shift();
    if (job === undefined || !this.keepUnlessAborted(job)) return;
    const start = job.done;
    const chunk = job.tokens.subarray(start, Math.min(start + this.options.prefillChunkSize, job.tokens.length));
    try {
      const allLogits = job.onChunkLogits !== undefined;
      const logits = await this.backend.prefill(job.handle, chunk, { allLogits });
      job.onChunkLogits?.(logits, start);
      job.done += chunk.length;
      if (job.done < job.tokens.length) {
        this.prefills.push(job);
        return;
      }
      const nVocab = this.backend.spec.nVocab;
      this.settle(job, () => job.resolve(allLogits ? logits.slice(logits.length - nVocab) : logits));
    } catch (error) {
      this.settle(job, () => job.reject(error));
    }
  }

  /** False (and the job rejected) when its signal has fired. */
  private keepUnlessAborted(job: DecodeJob | PrefillJob): boolean {
    if (!job.signal?.aborted) return true;
    this.settle(job, () => job.reject(new AbortError()));
    return false;
  }

  private settle(job: { handle: StateHandle }, complete: () => void): void {
    this.busy.delete(job.handle);
    complete();
  }
}

/** Resolves after pending messages and timers had their turn (a macrotask, without setTimeout's 4 ms clamp). */
function yieldToEventLoop(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(undefined);
  });
}
