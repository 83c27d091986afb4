/**
 * The reference backend (`backend: 'reference'`): the reference forward pass (src/reference/) over plain
 * Float32Array states. It is exact (the oracle itself) and runs anywhere, slowly; a batched decode is one forward
 * pass per state. The fast CPU backend (wasm-cpu.ts) also runs it for a generation that has no fast layer.
 */
import type { CanonicalModel, ModelSpec } from '../model/spec.js';
import { checkStateFits } from '../model/checks.js';
import { cloneState } from '../model/state.js';
import { createState, stateSize } from '../generations/state.js';
import type { State } from '../model/state.js';
import { createReferenceModel } from '../reference/model.js';
import type { ReferenceModel } from '../reference/model.js';
import { slotsInUseError } from '../errors.js';
import type { BackendDescription, InferenceBackend, StateHandle } from './backend.js';

export class CpuBackend implements InferenceBackend {
  readonly maxBatch = Number.POSITIVE_INFINITY;
  readonly weightBytes: number;
  private readonly model: ReferenceModel;
  private readonly states = new Map<StateHandle, State>();
  private nextHandle = 1;

  readonly description: BackendDescription = { kind: 'reference' };

  /** @param maxSessions states held at once */
  constructor(
    model: CanonicalModel,
    private readonly maxSessions: number,
  ) {
    this.model = createReferenceModel(model);
    this.weightBytes = [...model.tensors.values()].reduce((sum, tensor) => sum + tensor.data.byteLength, 0);
  }

  get spec(): ModelSpec {
    return this.model.spec;
  }

  async allocateState(): Promise<StateHandle> {
    if (this.states.size >= this.maxSessions) throw slotsInUseError(this.maxSessions);
    const handle = this.nextHandle++;
    this.states.set(handle, createState(this.spec));
    return handle;
  }

  freeState(handle: StateHandle): void {
    this.state(handle);
    this.states.delete(handle);
  }

  async copyState(source: StateHandle, target: StateHandle): Promise<void> {
    this.state(target).data.set(this.state(source).data);
  }

  async readState(handle: StateHandle): Promise<State> {
    return cloneState(this.state(handle));
  }

  async writeState(handle: StateHandle, state: State): Promise<void> {
    checkStateFits(state, stateSize(this.spec));
    this.state(handle).data.set(state.data);
  }

  async prefill(
    handle: StateHandle,
    tokens: Uint32Array,
    options: { allLogits?: boolean } = {},
  ): Promise<Float32Array> {
    return this.model.forward(tokens, this.state(handle), options);
  }

  async decode(handles: readonly StateHandle[], tokens: Uint32Array): Promise<Float32Array[]> {
    if (handles.length !== tokens.length) {
      throw new RangeError(`decode got ${handles.length} states but ${tokens.length} tokens.`);
    }
    return handles.map((handle, i) => this.model.forward(tokens.subarray(i, i + 1), this.state(handle)));
  }

  dispose(): void {
    this.states.clear();
  }

  private state(handle: StateHandle): State {
    const state = this.states.get(handle);
    if (state === undefined) throw new RangeError(`No state with handle ${handle} (freed or never allocated).`);
    return state;
  }
}
