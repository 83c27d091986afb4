/**
 * The recurrent states on the GPU: one buffer of `capacity` state slots, each holding one state in the layout of
 * src/model/state.ts (so a slot reads back to a `State` and is written from one byte for byte). Kernels reach a
 * slot's state through float offsets (`layerOffset`) in their Params uniform, which lets one dispatch serve a batch
 * of slots wherever they are. A slot is what the engine's sessions (and the backend's state handles) live in.
 */
import { RwkvError, slotsInUseError } from '../../errors.js';
import { checkStateFits } from '../../model/checks.js';
import { STATE_LAYOUT_VERSION, type State } from '../../model/state.js';
import { readBuffer } from '../buffers.js';

/** A slot of the state buffer. Obtain one from `GpuModel.allocateSlot`. */
export interface StateSlot {
  readonly slot: number;
}

/** The shape of the states a slot holds. */
export interface SlotShape {
  /** Floats of one state. */
  stateFloats: number;
  /** Floats of one layer's state. */
  layerStride: number;
  /** A fresh state (what a new slot holds unless given one). */
  fresh(): State;
}

export class StateSlots {
  readonly buffer: GPUBuffer;
  readonly stateFloats: number;
  private readonly free: number[];
  private readonly live = new Set<StateSlot>();

  constructor(
    private readonly device: GPUDevice,
    private readonly shape: SlotShape,
    readonly capacity: number,
    maxBindingBytes: number,
  ) {
    this.stateFloats = shape.stateFloats;
    const bytes = capacity * this.stateFloats * 4;
    if (!Number.isInteger(capacity) || capacity < 1 || bytes > maxBindingBytes) {
      throw new RangeError(
        `A state pool of ${capacity} sessions × ${this.stateFloats * 4} bytes does not fit one GPU binding ` +
          `(${maxBindingBytes} bytes); ask for fewer sessions.`,
      );
    }
    this.buffer = device.createBuffer({
      label: 'state slots',
      size: bytes,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    this.free = Array.from({ length: capacity }, (_, i) => capacity - 1 - i);
  }

  /** A new slot holding `state` (a fresh state by default). */
  allocate(state: State = this.shape.fresh()): StateSlot {
    const slot = this.free.pop();
    if (slot === undefined) {
      throw slotsInUseError(this.capacity);
    }
    const handle: StateSlot = Object.freeze({ slot });
    this.live.add(handle);
    this.write(handle, state);
    return handle;
  }

  release(slot: StateSlot): void {
    this.check(slot);
    this.live.delete(slot);
    this.free.push(slot.slot);
  }

  /** Throws unless `slot` is a live slot of this buffer. */
  check(slot: StateSlot): void {
    if (!this.live.has(slot)) throw new RwkvError('This session was freed or belongs to another model.');
  }

  /** Float offset of `layer`'s state (plus `part`, a LayerStateLayout offset) in `slot`. */
  layerOffset(slot: StateSlot, layer: number, part: number): number {
    return slot.slot * this.stateFloats + layer * this.shape.layerStride + part;
  }

  write(slot: StateSlot, state: State): void {
    this.check(slot);
    checkStateFits(state, this.stateFloats);
    this.device.queue.writeBuffer(this.buffer, slot.slot * this.stateFloats * 4, state.data);
  }

  /** The slot's state after every step submitted so far. */
  async read(slot: StateSlot): Promise<State> {
    this.check(slot);
    const bytes = await readBuffer(this.device, this.buffer, slot.slot * this.stateFloats * 4, this.stateFloats * 4);
    return { layoutVersion: STATE_LAYOUT_VERSION, data: new Float32Array(bytes) };
  }

  destroy(): void {
    this.live.clear();
    this.buffer.destroy();
  }
}
