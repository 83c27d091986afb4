/**
 * Per-session recurrent states on the GPU: one buffer of `capacity` slots, each holding one session's state in the
 * layout of src/model/state.ts (so a slot reads back to a `State` and is written from one byte for byte). Kernels
 * reach a session's state through float offsets (`layerOffset`) in their Params uniform, which lets one dispatch
 * serve a batch of sessions wherever their slots are.
 */
import { RwkvError } from '../errors.js';
import { readBuffer } from '../gpu/buffers.js';
import type { ModelSpec } from '../model/spec.js';
import { createState, layerStateLayout, STATE_LAYOUT_VERSION, stateSize, type State } from '../model/state.js';

/** A session's slot in the pool. Obtain one from `GpuModel.createSession`. */
export interface GpuSession {
  readonly slot: number;
}

export class StatePool {
  readonly buffer: GPUBuffer;
  /** Floats per session. */
  readonly stateFloats: number;
  private readonly free: number[];
  private readonly live = new Set<GpuSession>();

  constructor(
    private readonly device: GPUDevice,
    readonly spec: ModelSpec,
    readonly capacity: number,
    maxBindingBytes: number,
  ) {
    this.stateFloats = stateSize(spec);
    const bytes = capacity * this.stateFloats * 4;
    if (!Number.isInteger(capacity) || capacity < 1 || bytes > maxBindingBytes) {
      throw new RangeError(
        `A state pool of ${capacity} sessions × ${this.stateFloats * 4} bytes does not fit one GPU binding ` +
          `(${maxBindingBytes} bytes); ask for fewer sessions.`,
      );
    }
    this.buffer = device.createBuffer({
      label: 'state pool',
      size: bytes,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    this.free = Array.from({ length: capacity }, (_, i) => capacity - 1 - i);
  }

  /** A new session holding `state` (a fresh state by default). */
  allocate(state: State = createState(this.spec)): GpuSession {
    const slot = this.free.pop();
    if (slot === undefined) {
      throw new RwkvError(
        `All ${this.capacity} session slots are in use; free a session or create the model with more.`,
      );
    }
    const session: GpuSession = Object.freeze({ slot });
    this.live.add(session);
    this.write(session, state);
    return session;
  }

  release(session: GpuSession): void {
    this.check(session);
    this.live.delete(session);
    this.free.push(session.slot);
  }

  /** Throws unless `session` is a live session of this pool. */
  check(session: GpuSession): void {
    if (!this.live.has(session)) throw new RwkvError('This session was freed or belongs to another model.');
  }

  /** Float offset of `layer`'s state (plus `part`, a LayerStateLayout offset) for `session`. */
  layerOffset(session: GpuSession, layer: number, part: number): number {
    return session.slot * this.stateFloats + layer * layerStateLayout(this.spec).stride + part;
  }

  write(session: GpuSession, state: State): void {
    this.check(session);
    if (state.layoutVersion !== STATE_LAYOUT_VERSION || state.data.length !== this.stateFloats) {
      throw new RangeError(
        `State (layout ${state.layoutVersion}, ${state.data.length} floats) does not fit this model ` +
          `(layout ${STATE_LAYOUT_VERSION}, ${this.stateFloats} floats).`,
      );
    }
    this.device.queue.writeBuffer(this.buffer, session.slot * this.stateFloats * 4, state.data);
  }

  /** The session's state after every step submitted so far. */
  async read(session: GpuSession): Promise<State> {
    this.check(session);
    const bytes = await readBuffer(this.device, this.buffer, session.slot * this.stateFloats * 4, this.stateFloats * 4);
    return { layoutVersion: STATE_LAYOUT_VERSION, data: new Float32Array(bytes) };
  }

  destroy(): void {
    this.live.clear();
    this.buffer.destroy();
  }
}
