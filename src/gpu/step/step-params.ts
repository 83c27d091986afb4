/**
 * The uniforms a step rewrites before it runs (one queue.writeBuffer each): the row counts of the matmat kernels
 * (N, and the head's rows), and for every layer and state part (att shift, ffn shift, WKV) the Params uniform of the
 * norm-shift-mix and WKV kernels — T and each slot's float offset into the state slots. The Params of all layers
 * live in one buffer, one entry per (layer, part) at offsets aligned for uniform bindings.
 */
import { createBuffer, UNIFORM } from '../buffers.js';
import { tokenParams } from '../kernels/step-params-uniform.js';
import type { LayerStateLayout } from '../../model/state.js';
import type { StateSlot, StateSlots } from './state-slots.js';
import type { StepShape } from './step-builder.js';

/** The parts of a layer's state that a kernel addresses. */
export type StatePart = 'attShift' | 'ffnShift' | 'wkv';

const PARTS: readonly StatePart[] = ['attShift', 'ffnShift', 'wkv'];
const PARAMS_BYTES = tokenParams(1, [0]).byteLength;

export class StepParams {
  readonly rowsUniform: GPUBuffer;
  readonly headRowsUniform: GPUBuffer;
  private readonly params: GPUBuffer;
  private readonly entryBytes: number;
  private readonly words: Uint32Array;

  constructor(
    private readonly device: GPUDevice,
    private readonly slots: StateSlots,
    private readonly nLayer: number,
    private readonly layout: LayerStateLayout,
  ) {
    const alignment = device.limits.minUniformBufferOffsetAlignment;
    this.entryBytes = Math.ceil(PARAMS_BYTES / alignment) * alignment;
    const entries = nLayer * PARTS.length;
    this.words = new Uint32Array((entries * this.entryBytes) / 4);
    this.params = createBuffer(device, entries * this.entryBytes, 'step params', UNIFORM);
    this.rowsUniform = createBuffer(device, 16, 'step rows', UNIFORM);
    this.headRowsUniform = createBuffer(device, 16, 'step head rows', UNIFORM);
  }

  /** The Params binding of `layer`'s state `part`. */
  binding(layer: number, part: StatePart): GPUBufferBinding {
    const entry = layer * PARTS.length + PARTS.indexOf(part);
    return { buffer: this.params, offset: entry * this.entryBytes, size: PARAMS_BYTES };
  }

  /** Writes the uniforms of a step over the states in `slots` (B of them) of `shape.tokens` tokens each. */
  write(shape: StepShape, slots: readonly StateSlot[]): void {
    for (let layer = 0; layer < this.nLayer; layer++) {
      PARTS.forEach((part, p) => {
        const offsets = slots.map((slot) => this.slots.layerOffset(slot, layer, this.layout[part]));
        const entry = layer * PARTS.length + p;
        this.words.set(tokenParams(shape.tokens, offsets), (entry * this.entryBytes) / 4);
      });
    }
    this.device.queue.writeBuffer(this.params, 0, this.words);
    this.device.queue.writeBuffer(this.rowsUniform, 0, new Uint32Array([shape.rows, 0, 0, 0]));
    this.device.queue.writeBuffer(this.headRowsUniform, 0, new Uint32Array([shape.headRows, 0, 0, 0]));
  }

  destroy(): void {
    this.params.destroy();
    this.rowsUniform.destroy();
    this.headRowsUniform.destroy();
  }
}
