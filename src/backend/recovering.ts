/**
 * Device-loss recovery: an InferenceBackend over a replaceable backend that outlives its GPU device. When the device
 * is lost (driver reset, GPU process crash, `device.destroy()`, out of memory), it reopens the model on a new device
 * (or on the CPU, see `reopen`), restores every live state exactly, and carries on with the call that failed — the
 * scheduler and the generations above never see the loss.
 *
 * Exactness: for every state it keeps a CPU copy of the state at some point plus the steps fed since (their tokens
 * and logits mode), and restores by writing the copy and replaying the steps one by one with the same shapes as
 * the first time (a decode as a one-token step, a prefill chunk as the same chunk). A session's rows in a batched
 * decode are computed like a decode alone (docs/runtime.md: matvec sums do not depend on the batch), so on the same
 * kind of adapter the restored state is the one an uninterrupted run has, bit for bit. After `snapshotInterval`
 * steps of a state, its copy is refreshed (one state readback), which bounds the replay and the memory; reads and
 * writes of a state refresh it for free. The cost per token: a state readback every `snapshotInterval` steps.
 *
 * A call that fails with DeviceLostError waits for the recovery and runs again on the new backend (the state it
 * changed on the lost device is rebuilt from the copy, so nothing is fed twice). When recovery fails (no adapter,
 * the model's bytes are gone), every pending and later call rejects with the error that says why.
 */
import { AbortError, DeviceLostError, RwkvError } from '../errors.js';
import type { ModelSpec } from '../model/spec.js';
import type { State } from '../model/state.js';
import { cloneState } from '../model/state.js';
import type { WeightsReport } from '../runtime/weights-report.js';
import type { DecodeOutput } from '../sampling/top-candidates.js';
import type { BackendDescription, InferenceBackend, StateHandle } from './backend.js';

/** Steps fed to a state between two refreshes of its CPU copy, by default. */
const DEFAULT_SNAPSHOT_INTERVAL = 32;

/** Attempts at reopening the model when a new device is lost again while the states are restored. */
const MAX_ATTEMPTS = 3;

export type RecoveryEvent = { phase: 'device-lost'; reason: string } | { phase: 'recovered'; ms: number };

export interface RecoveryOptions {
  /** A new backend over a fresh read of the model (a new adapter and device). Its errors end the recovery. */
  reopen(): Promise<InferenceBackend>;
  onEvent(event: RecoveryEvent): void;
  /** Steps fed to a state between two refreshes of its CPU copy; default DEFAULT_SNAPSHOT_INTERVAL. */
  snapshotInterval?: number;
}

/** One step fed to a state since its copy was taken. */
interface FedStep {
  tokens: Uint32Array;
  allLogits: boolean;
}

/** Everything needed to rebuild one state on any backend. */
interface StateRecord {
  /** The backend holding the live state, and its handle there. */
  owner: InferenceBackend;
  inner: StateHandle;
  /** The state before `steps`; undefined for a fresh state. */
  copy: State | undefined;
  steps: FedStep[];
  /** Set by freeState: a restore under way frees what it made. */
  freed: boolean;
}

export class RecoveringBackend implements InferenceBackend {
  private readonly records = new Map<StateHandle, StateRecord>();
  private readonly snapshotInterval: number;
  private recovery: Promise<void> | undefined;
  private failure: RwkvError | undefined;
  private disposed = false;
  /** Resolves on dispose, so that calls waiting for a recovery end at once. */
  private readonly whenDisposed: Promise<void>;
  private resolveDisposed = () => undefined as void;
  private nextHandle = 1;

  constructor(
    private current: InferenceBackend,
    private readonly options: RecoveryOptions,
  ) {
    this.whenDisposed = new Promise((resolve) => (this.resolveDisposed = resolve));
    this.snapshotInterval = options.snapshotInterval ?? DEFAULT_SNAPSHOT_INTERVAL;
    if (!Number.isInteger(this.snapshotInterval) || this.snapshotInterval < 1) {
      throw new RangeError(`snapshotInterval must be a positive integer, not ${this.snapshotInterval}.`);
    }
    this.watch(current);
  }

  get spec(): ModelSpec {
    return this.current.spec;
  }

  get description(): BackendDescription {
    return this.current.description;
  }

  get weightBytes(): number {
    return this.current.weightBytes;
  }

  get weights(): WeightsReport | undefined {
    return this.current.weights;
  }

  get maxBatch(): number {
    return this.current.maxBatch;
  }

  allocateState(): Promise<StateHandle> {
    return this.run(async (backend) => {
      const inner = await backend.allocateState();
      const handle = this.nextHandle++;
      this.records.set(handle, { owner: backend, inner, copy: undefined, steps: [], freed: false });
      return handle;
    });
  }

  freeState(handle: StateHandle): void {
    if (this.disposed) return;
    const record = this.record(handle);
    this.records.delete(handle);
    record.freed = true;
    if (record.owner === this.current && this.failure === undefined) record.owner.freeState(record.inner);
  }

  copyState(source: StateHandle, target: StateHandle): Promise<void> {
    return this.run(async (backend) => {
      const [from, to] = [this.record(source), this.record(target)];
      await this.restore(from, backend);
      await this.restore(to, backend);
      await backend.copyState(from.inner, to.inner);
      to.copy = from.copy;
      to.steps = [...from.steps];
    });
  }

  readState(handle: StateHandle): Promise<State> {
    return this.run(async (backend) => {
      const record = this.record(handle);
      await this.restore(record, backend);
      const state = await backend.readState(record.inner);
      record.copy = cloneState(state);
      record.steps = [];
      return state;
    });
  }

  writeState(handle: StateHandle, state: State): Promise<void> {
    return this.run(async (backend) => {
      const record = this.record(handle);
      await this.restore(record, backend);
      await backend.writeState(record.inner, state);
      record.copy = cloneState(state);
      record.steps = [];
    });
  }

  prefill(handle: StateHandle, tokens: Uint32Array, options: { allLogits?: boolean } = {}): Promise<Float32Array> {
    return this.run(async (backend) => {
      const record = this.record(handle);
      await this.restore(record, backend);
      const logits = await backend.prefill(record.inner, tokens, options);
      await this.fed(record, backend, { tokens: tokens.slice(), allLogits: options.allLogits ?? false });
      return logits;
    });
  }

  decode(handles: readonly StateHandle[], tokens: Uint32Array): Promise<Float32Array[]> {
    return this.decodeOn(handles, tokens, (backend, inner) => backend.decode(inner, tokens));
  }

  decodeSelecting(
    handles: readonly StateHandle[],
    tokens: Uint32Array,
    candidates: readonly number[],
  ): Promise<DecodeOutput[]> {
    return this.decodeOn(handles, tokens, (backend, inner) =>
      backend.decodeSelecting ? backend.decodeSelecting(inner, tokens, candidates) : backend.decode(inner, tokens),
    );
  }

  /**
   * The row a `decodeSelecting` kept where it ran. After a recovery that row is gone: the state is rebuilt, not its
   * logits, and this fails with a RwkvError.
   */
  readLogits(handle: StateHandle): Promise<Float32Array> {
    return this.run(async (backend) => {
      const record = this.record(handle);
      await this.restore(record, backend);
      if (!backend.readLogits) throw new RwkvError('The logits of this state were not kept after the device was lost.');
      return backend.readLogits(record.inner);
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.records.clear();
    this.current.dispose();
    this.resolveDisposed();
  }

  /** A decode step of `handles` run by `step` on the current backend (with their handles there), and recorded. */
  private decodeOn<T>(
    handles: readonly StateHandle[],
    tokens: Uint32Array,
    step: (backend: InferenceBackend, inner: StateHandle[]) => Promise<T[]>,
  ): Promise<T[]> {
    return this.run(async (backend) => {
      const records = handles.map((handle) => this.record(handle));
      for (const record of records) await this.restore(record, backend);
      const outputs = await step(
        backend,
        records.map((record) => record.inner),
      );
      for (const [i, record] of records.entries()) {
        await this.fed(record, backend, { tokens: tokens.slice(i, i + 1), allLogits: false });
      }
      return outputs;
    });
  }

  private record(handle: StateHandle): StateRecord {
    const record = this.records.get(handle);
    if (record === undefined) throw new RangeError(`No state with handle ${handle} (freed or never allocated).`);
    return record;
  }

  /** Runs `work` on the current backend; after a device loss, waits for the recovery and runs it again. */
  private async run<T>(work: (backend: InferenceBackend) => Promise<T>): Promise<T> {
    for (;;) {
      if (this.disposed) throw new AbortError('The engine was disposed.');
      if (this.failure !== undefined) throw this.failure;
      if (this.recovery !== undefined) {
        await Promise.race([this.recovery, this.whenDisposed]);
        continue;
      }
      const backend = this.current;
      try {
        return await work(backend);
      } catch (error) {
        if (!(error instanceof DeviceLostError)) throw error;
        this.recover(backend, error);
      }
    }
  }

  private watch(backend: InferenceBackend): void {
    void backend.lost?.then((error) => this.recover(backend, error));
  }

  /** Starts the recovery from the loss of `lost`, unless it is under way or `lost` was already replaced. */
  private recover(lost: InferenceBackend, error: DeviceLostError): void {
    if (this.disposed || this.recovery !== undefined || lost !== this.current || this.failure !== undefined) return;
    this.recovery = this.replace(lost, error).finally(() => {
      this.recovery = undefined;
    });
  }

  private async replace(lost: InferenceBackend, error: DeviceLostError): Promise<void> {
    const startedAt = performance.now();
    this.options.onEvent({ phase: 'device-lost', reason: error.message });
    lost.dispose();
    for (let attempt = 1; ; attempt++) {
      let next: InferenceBackend;
      try {
        next = await this.options.reopen();
      } catch (cause) {
        this.failure = recoveryFailure(cause);
        return;
      }
      if (this.disposed) {
        next.dispose();
        return;
      }
      this.current = next;
      try {
        for (const record of this.records.values()) await this.restore(record, next);
      } catch (cause) {
        if (!(cause instanceof DeviceLostError) || attempt === MAX_ATTEMPTS) {
          this.failure = recoveryFailure(cause);
          return;
        }
        next.dispose();
        continue;
      }
      this.watch(next);
      this.options.onEvent({ phase: 'recovered', ms: performance.now() - startedAt });
      return;
    }
  }

  /** Rebuilds `record`'s state on `backend` (its copy, then its steps replayed) unless it lives there already. */
  private async restore(record: StateRecord, backend: InferenceBackend): Promise<void> {
    if (record.owner === backend) return;
    const inner = await backend.allocateState();
    try {
      if (record.copy !== undefined) await backend.writeState(inner, record.copy);
      for (const step of record.steps) await backend.prefill(inner, step.tokens, { allLogits: step.allLogits });
    } catch (error) {
      backend.freeState(inner);
      throw error;
    }
    if (record.freed) {
      backend.freeState(inner);
      return;
    }
    record.owner = backend;
    record.inner = inner;
  }

  /** Records a step fed to `record`'s state; every `snapshotInterval` steps, replaces them by a copy of the state. */
  private async fed(record: StateRecord, backend: InferenceBackend, step: FedStep): Promise<void> {
    record.steps.push(step);
    if (record.steps.length < this.snapshotInterval) return;
    let state: State;
    try {
      state = await backend.readState(record.inner);
    } catch (error) {
      // The step is done and recorded: a device lost now is recovered from like any other, the step replayed.
      if (error instanceof DeviceLostError) return;
      throw error;
    }
    if (record.owner !== backend) return;
    record.copy = state;
    record.steps = [];
  }
}

function recoveryFailure(cause: unknown): RwkvError {
  if (cause instanceof RwkvError) return cause;
  return new DeviceLostError(`The GPU device was lost and the model could not be loaded again: ${String(cause)}`, {
    cause,
  });
}
