/**
 * The uniforms a step rewrites before it runs (one queue.writeBuffer each): the row counts of the matmat kernels
 * (N, and the head's rows), and for every layer and state part (att shift, ffn shift, WKV) the Params uniform of the
 * token-shift and WKV kernels — T and each session's float offset into the state pool. The Params of all layers
 * live in one buffer, one slot per (layer, part) at offsets aligned for uniform bindings.
 */
import { createBuffer, UNIFORM } from '../gpu/buffers.js';
import { tokenParams } from '../gpu/kernels/token-shift.js';
import { layerStateLayout, type LayerStateLayout } from '../model/state.js';
import type { GpuSession, StatePool } from './state-pool.js';
import type { StepShape } from './step.js';

/** The parts of a layer's state that a kernel addresses. */
export type StatePart = 'attShift' | 'ffnShift' | 'wkv';

const PARTS: readonly StatePart[] = ['attShift', 'ffnShift', 'wkv'];
const PARAMS_BYTES = tokenParams(1, [0]).byteLength;

export class StepParams {
  readonly rowsUniform: GPUBuffer;
  readonly headRowsUniform: GPUBuffer;
  private readonly params: GPUBuffer;
  private readonly slotBytes: number;
  private readonly layout: LayerStateLayout;
  private readonly words: Uint32Array;

  constructor(
    private readonly device: GPUDevice,
    private readonly pool: StatePool,
  ) {
    const alignment = device.limits.minUniformBufferOffsetAlignment;
    this.slotBytes = Math.ceil(PARAMS_BYTES / alignment) * alignment;
    this.layout = layerStateLayout(pool.spec);
    const slots = pool.spec.nLayer * PARTS.length;
    this.words = new Uint32Array((slots * this.slotBytes) / 4);
    this.params = createBuffer(device, slots * this.slotBytes, 'step params', UNIFORM);
    this.rowsUniform = createBuffer(device, 16, 'step rows', UNIFORM);
    this.headRowsUniform = createBuffer(device, 16, 'step head rows', UNIFORM);
  }

  /** The Params binding of `layer`'s state `part`. */
  binding(layer: number, part: StatePart): GPUBufferBinding {
    const slot = layer * PARTS.length + PARTS.indexOf(part);
    return { buffer: this.params, offset: slot * this.slotBytes, size: PARAMS_BYTES };
  }

  /** Writes the uniforms of a step over `sessions` (B = sessions.length) of `shape.tokens` tokens each. */
  write(shape: StepShape, sessions: readonly GpuSession[]): void {
    for (let layer = 0; layer < this.pool.spec.nLayer; layer++) {
      PARTS.forEach((part, p) => {
        const offsets = sessions.map((session) => this.pool.layerOffset(session, layer, this.layout[part]));
        const slot = layer * PARTS.length + p;
        this.words.set(tokenParams(shape.tokens, offsets), (slot * this.slotBytes) / 4);
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
