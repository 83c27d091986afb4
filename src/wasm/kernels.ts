/**
 * The kernels module (assembly/kernels.ts, compiled into kernels-wasm.ts): compiled once, instantiated over a memory
 * the caller gives (its weights, states and scratch live there; see heap.ts). The exports take addresses in that
 * memory; the weight formats are those of `FORMAT_CODES`. Two builds: over an ordinary memory (one thread), and
 * over a shared memory with the worker threads' loop (assembly/threads.ts; thread-pool.ts), one instance per thread.
 */
import { KERNELS_WASM_BASE64, SHARED_KERNELS_WASM_BASE64 } from './kernels-wasm.js';

/** The compact weight formats the kernels read, and their codes (assembly/kernels.ts). */
export const FORMAT_CODES = { f32: 0, f16: 1, q8_0: 2, q4_0: 3, q4_1: 4, q5_0: 5, q5_1: 6 } as const;

export type CompactFormat = keyof typeof FORMAT_CODES;

/**
 * Bytes of one token's quantized activations (KernelExports.quantizeActivations): int16 codes, then per block of 32
 * its scale, its codes' sum and its values' sum (4 bytes each).
 */
export function quantizedBytes(cols: number): number {
  return cols * 2 + (cols / 32) * 12;
}

/** Whether the kernels multiply this format's blocks against x quantized first (KernelExports.quantizeActivations). */
export function quantizesActivations(format: CompactFormat): boolean {
  return FORMAT_CODES[format] >= 2;
}

export interface KernelExports {
  staticDataEnd(): number;
  rowBytes(format: number, cols: number): number;
  dequantizeRow(format: number, row: number, count: number, out: number): void;
  matmul(
    format: number,
    weights: number,
    x: number,
    y: number,
    rows: number,
    cols: number,
    tokens: number,
    rowStart: number,
    rowEnd: number,
    /** The block formats: every token's x quantized by `quantizeActivations` (0 for f32 / f16). */
    quantized: number,
  ): void;
  /**
   * x ([tokens, cols] f32, cols a multiple of 32) quantized to int16 per block of 32 values with, per block, its
   * f32 scale, the i32 sum of its codes and the f32 sum of its values, into `out` (`quantizedBytes(cols)` bytes per
   * token).
   */
  quantizeActivations(x: number, cols: number, tokens: number, out: number): void;
  normalize(
    x: number,
    y: number,
    count: number,
    size: number,
    width: number,
    weight: number,
    bias: number,
    eps: number,
  ): void;
  wkv7(
    tokens: number,
    width: number,
    headSize: number,
    r: number,
    w: number,
    k: number,
    v: number,
    a: number,
    b: number,
    state: number,
    y: number,
  ): void;
  wkv4(
    tokens: number,
    width: number,
    k: number,
    v: number,
    first: number,
    decay: number,
    aa: number,
    bb: number,
    pp: number,
    y: number,
  ): void;
  wkv5(
    tokens: number,
    width: number,
    headSize: number,
    r: number,
    k: number,
    v: number,
    w: number,
    wStride: number,
    u: number,
    state: number,
    y: number,
  ): void;
  // The element-wise steps (assembly/elementwise.ts): x is [rows, width] (n values), per-channel vectors have width
  // values; width and v7's head size are multiples of 4.
  /** out[j] = x + (previous − x)·mix[j] for j < count, out[j] at out + j·n·4 (mix: [count, width]). */
  shiftMixes(x: number, previous: number, mix: number, count: number, n: number, width: number, out: number): void;
  /** x ← σ(x + bias) in place; bias 0 for none (then any n). */
  sigmoids(x: number, bias: number, n: number, width: number): void;
  /** x ← tanh(x) in place (any n). */
  tanhs(x: number, n: number): void;
  /** x ← max(x, 0)² in place (any n). */
  squaredRelus(x: number, n: number): void;
  /** RWKV-7's decay in place: x ← exp(−e^−½·σ(x + bias)). */
  sigmoidDecays(x: number, bias: number, n: number, width: number): void;
  /** RWKV-7's value residual in place: v ← v + (first − v)·σ(z + bias). */
  residualMixes(v: number, first: number, z: number, bias: number, n: number, width: number): void;
  /**
   * RWKV-7's keys, per head: κ̂ = L2-normalised k⊙k_k; k ← k⊙(1 + (a − 1)⊙k_a); removal = −κ̂; replacement = κ̂⊙a.
   */
  deltaKeys(
    k: number,
    a: number,
    kK: number,
    kA: number,
    n: number,
    width: number,
    headSize: number,
    removal: number,
    replacement: number,
  ): void;
  /** RWKV-7's bonus and gate, per head: y ← (y + (Σ_head r⊙k⊙r_k)·v)⊙g. */
  bonusGates(
    y: number,
    r: number,
    k: number,
    v: number,
    rK: number,
    g: number,
    n: number,
    width: number,
    headSize: number,
  ): void;
  /** The shared-memory module only (assembly/threads.ts): marks worker `index` of the pool at `control` stopped. */
  threadStopped(control: number, index: number): void;
  /** The shared-memory module only (assembly/threads.ts): computes chunk `chunk` of the job open at `control`. */
  computeChunk(control: number, chunk: number): void;
}

/** Pages (64 KiB) a shared memory may grow to: the shared module's declared maximum (4 GiB). */
export const SHARED_MAXIMUM_PAGES = 65536;

let compiled: Promise<WebAssembly.Module> | undefined;
let compiledShared: Promise<WebAssembly.Module> | undefined;

/** The compiled module for an ordinary memory, or for a shared one (compiled at the first call). */
export function kernelsModule(shared: boolean): Promise<WebAssembly.Module> {
  if (shared) return (compiledShared ??= WebAssembly.compile(base64Bytes(SHARED_KERNELS_WASM_BASE64)));
  return (compiled ??= WebAssembly.compile(base64Bytes(KERNELS_WASM_BASE64)));
}

/** An instance of the kernels over `memory` (shared or not; the module is picked to match). */
export async function instantiateKernels(memory: WebAssembly.Memory): Promise<KernelExports> {
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const instance = await WebAssembly.instantiate(await kernelsModule(shared), { env: { memory } });
  return instance.exports as unknown as KernelExports;
}

function base64Bytes(base64: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}
