/**
 * The fast CPU backend's memory: one WebAssembly memory holding the compact weights and the states (permanent,
 * bump-allocated; freed states are reused), and above them a scratch region for the activations of one forward
 * call. `reserveScratch` sizes the scratch before a call and is the only place the memory grows during one, so the
 * Float32Array views handed out by `vector` stay valid until the call ends (growing a memory detaches its views).
 */

const PAGE_BYTES = 65536;
/** Alignment of every allocation (one SIMD vector). */
const ALIGN = 16;

/** A run of floats in the heap: its address (for the kernels) and a view (for TypeScript). */
export interface Vec {
  ptr: number;
  data: Float32Array;
}

function align(bytes: number): number {
  return Math.ceil(bytes / ALIGN) * ALIGN;
}

export class WasmHeap {
  private top: number;
  private readonly freed = new Map<number, number[]>();
  private scratchTop = 0;
  private scratchEnd = 0;

  /** `staticEnd`: where the kernels' static data ends (KernelExports.staticDataEnd); nothing below is handed out. */
  constructor(
    readonly memory: WebAssembly.Memory,
    staticEnd: number,
  ) {
    this.top = align(Math.max(staticEnd, ALIGN));
  }

  /** Bytes the memory holds. */
  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  /** A permanent block of `bytes` (weights, states); ends any scratch reservation. */
  allocate(bytes: number): number {
    const reused = this.freed.get(align(bytes))?.pop();
    if (reused !== undefined) return reused;
    const ptr = this.top;
    this.top += align(bytes);
    this.ensure(this.top);
    this.scratchEnd = 0;
    return ptr;
  }

  /** Gives a block back, for the next `allocate` of the same size. */
  release(ptr: number, bytes: number): void {
    const size = align(bytes);
    const list = this.freed.get(size) ?? [];
    list.push(ptr);
    this.freed.set(size, list);
  }

  /** Empties the scratch region and makes it at least `bytes` long. */
  reserveScratch(bytes: number): void {
    this.scratchTop = this.top;
    this.scratchEnd = this.top + align(bytes);
    this.ensure(this.scratchEnd);
  }

  /** Where the scratch region is filled up to (for `releaseScratch`). */
  scratchMark(): number {
    return this.scratchTop;
  }

  /** Frees every scratch vector taken since `mark`. */
  releaseScratch(mark: number): void {
    this.scratchTop = mark;
  }

  /** `count` floats of scratch, valid until the region is released past them or reserved anew. */
  vector(count: number): Vec {
    const ptr = this.scratchTop;
    const end = ptr + align(count * 4);
    if (end > this.scratchEnd) throw new Error(`fast CPU scratch overflow (${end - this.scratchEnd} bytes short)`);
    this.scratchTop = end;
    return { ptr, data: this.floats(ptr, count) };
  }

  /** A view of `count` floats at `ptr`. */
  floats(ptr: number, count: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, count);
  }

  /** A view of `count` bytes at `ptr`. */
  bytes(ptr: number, count: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, ptr, count);
  }

  private ensure(end: number): void {
    const missing = end - this.memory.buffer.byteLength;
    if (missing > 0) this.memory.grow(Math.ceil(missing / PAGE_BYTES));
  }
}
