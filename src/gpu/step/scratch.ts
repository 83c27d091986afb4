/**
 * Activation buffers of a step, created once for the largest step (`rows` rows) and shared by every layer (layers
 * run one after the other). A buffer is named by its role and width: `get('r', C)` is the [rows, C] receptance
 * buffer of whichever layer is running.
 */
import { createBuffer } from '../buffers.js';
import { PLANE_ALIGNMENT } from '../kernels/norm-shift-mix.js';

/** `count` [rows, width] planes in one buffer, `stride` floats apart, each bindable on its own. */
export interface ScratchPlanes {
  buffer: GPUBuffer;
  stride: number;
  planes: GPUBufferBinding[];
}

export class Scratch {
  private readonly buffers = new Map<string, GPUBuffer>();

  constructor(
    private readonly device: GPUDevice,
    readonly rows: number,
  ) {}

  /** The [rows, width] f32 buffer for `role`. */
  get(role: string, width: number): GPUBuffer {
    return this.buffer(`${role} [${width}]`, this.rows * width);
  }

  /** The buffer of `count` [rows, width] planes for `role`, each plane's start aligned for a binding offset. */
  planes(role: string, width: number, count: number): ScratchPlanes {
    const stride = Math.ceil((this.rows * width) / PLANE_ALIGNMENT) * PLANE_ALIGNMENT;
    const buffer = this.buffer(`${role} [${count} × ${width}]`, stride * count);
    const planes = Array.from({ length: count }, (_, p) => ({ buffer, offset: p * stride * 4, size: stride * 4 }));
    return { buffer, stride, planes };
  }

  /** [rows, widths[i]] regions of one buffer for `role`, each start aligned for a binding offset. */
  regions(role: string, widths: readonly number[]): GPUBufferBinding[] {
    const sizes = widths.map((width) => Math.ceil((this.rows * width) / PLANE_ALIGNMENT) * PLANE_ALIGNMENT);
    const buffer = this.buffer(
      `${role} [${widths.join(' | ')}]`,
      sizes.reduce((sum, size) => sum + size, 0),
    );
    let offset = 0;
    return sizes.map((size) => {
      const region = { buffer, offset: offset * 4, size: size * 4 };
      offset += size;
      return region;
    });
  }

  private buffer(key: string, floats: number): GPUBuffer {
    let buffer = this.buffers.get(key);
    if (!buffer) {
      buffer = createBuffer(this.device, floats * 4, key);
      this.buffers.set(key, buffer);
    }
    return buffer;
  }

  destroy(): void {
    for (const buffer of this.buffers.values()) buffer.destroy();
    this.buffers.clear();
  }
}
