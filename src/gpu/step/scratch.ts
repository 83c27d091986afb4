/**
 * Activation buffers of a step, created once for the largest step (`rows` rows) and shared by every layer (layers
 * run one after the other). A buffer is named by its role and width: `get('r', C)` is the [rows, C] receptance
 * buffer of whichever layer is running.
 */
import { createBuffer } from '../buffers.js';

export class Scratch {
  private readonly buffers = new Map<string, GPUBuffer>();

  constructor(
    private readonly device: GPUDevice,
    readonly rows: number,
  ) {}

  /** The [rows, width] f32 buffer for `role`. */
  get(role: string, width: number): GPUBuffer {
    const key = `${role} [${width}]`;
    let buffer = this.buffers.get(key);
    if (!buffer) {
      buffer = createBuffer(this.device, this.rows * width * 4, key);
      this.buffers.set(key, buffer);
    }
    return buffer;
  }

  destroy(): void {
    for (const buffer of this.buffers.values()) buffer.destroy();
    this.buffers.clear();
  }
}
