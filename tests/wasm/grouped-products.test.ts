/**
 * Groups of matrix products (FastOps.matmuls: one job of the thread pool, their rows split into chunks together):
 * members of mixed formats (f32, f16, Q8_0, Q4_0) and shapes — one with fewer rows than threads, several whose rows
 * are not a multiple of four, two sharing one x (quantized once) — for one token and for five, equal bit for bit
 * the members computed one by one on one thread, grouped on one thread and grouped on a pool of two (Node's
 * worker_threads), where the small members get chunks of their own; and a group longer than one job's table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quantizeBlocks } from '../../src/formats/quantize-blocks.js';
import { encodeF16 } from '../../src/numeric/half.js';
import { WasmHeap, type Vec } from '../../src/wasm/heap.js';
import { instantiateKernels, kernelsModule, SHARED_MAXIMUM_PAGES, type CompactFormat } from '../../src/wasm/kernels.js';
import { nodeThreadHost } from '../../src/wasm/node-threads.js';
import { FastOps, SingleThread, type ProductInput } from '../../src/wasm/ops.js';
import { ThreadPool } from '../../src/wasm/thread-pool.js';
import type { CompactMatrix } from '../../src/wasm/weights.js';

const SCRATCH_BYTES = 4 << 20;

/** Members as [format, rows, cols, input]: the members with the same input share one x. */
const MEMBERS: readonly (readonly [CompactFormat, number, number, number])[] = [
  ['q4_0', 1030, 256, 0],
  ['f32', 301, 96, 1],
  ['f16', 1, 64, 2],
  ['q8_0', 67, 128, 3],
  ['q4_0', 9, 128, 3],
  ['f16', 3, 80, 4],
];

/** The bytes of `values` ([rows, cols]) in `format`. */
function encoded(format: CompactFormat, values: Float32Array): Uint8Array {
  if (format === 'f32') return new Uint8Array(values.buffer);
  if (format === 'f16') return encodeF16(values);
  if (format === 'q8_0' || format === 'q4_0') return quantizeBlocks(format, values);
  throw new Error(`no encoder for ${format} here`);
}

describe('grouped matrix products', () => {
  let heap: WasmHeap;
  let single: FastOps;
  let pooled: FastOps;
  let pool: ThreadPool;

  beforeAll(async () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: SHARED_MAXIMUM_PAGES, shared: true });
    const kernels = await instantiateKernels(memory);
    heap = new WasmHeap(memory, kernels.staticDataEnd());
    pool = await ThreadPool.open(heap, kernels, await kernelsModule(true), 2, nodeThreadHost().spawn);
    single = new FastOps(heap, kernels, new SingleThread(kernels));
    pooled = new FastOps(heap, kernels, pool);
  });

  afterAll(() => pool.close());

  /** A seeded matrix of `format` copied into the heap. */
  function matrix(format: CompactFormat, rows: number, cols: number, seed: number): CompactMatrix {
    const values = Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i * 0.37 + seed) * (1 + (i % 5)));
    const bytes = encoded(format, values);
    const ptr = heap.allocate(bytes.length);
    heap.bytes(ptr, bytes.length).set(bytes);
    return { name: `m${seed}`, format, ptr, rows, cols, rowBytes: bytes.length / rows };
  }

  /** A seeded x of `tokens` rows in the heap. */
  function input(cols: number, tokens: number, seed: number): Vec {
    const ptr = heap.allocate(tokens * cols * 4);
    const data = heap.floats(ptr, tokens * cols);
    data.forEach((_, i) => (data[i] = Math.cos(i * 0.11 + seed) * 3));
    return { ptr, data };
  }

  /** The y of each product: grouped on `ops`, or one product at a time; scratch first filled with NaN. */
  function products(ops: FastOps, pairs: readonly ProductInput[], tokens: number, grouped: boolean): Float32Array[] {
    heap.reserveScratch(SCRATCH_BYTES);
    heap.floats(heap.scratchMark(), SCRATCH_BYTES / 4).fill(Number.NaN);
    const ys = grouped ? ops.matmuls(pairs, tokens) : pairs.map(([m, x]) => ops.matmul(m, x, tokens));
    return ys.map((y) => y.data.slice());
  }

  it.each([1, 5])('of mixed formats and shapes, for %i token(s): bitwise one by one on one thread', (tokens) => {
    const inputs = new Map<number, Vec>();
    const pairs = MEMBERS.map(([format, rows, cols, which], seed): ProductInput => {
      const x = inputs.get(which) ?? input(cols, tokens, which);
      inputs.set(which, x);
      return [matrix(format, rows, cols, seed), x];
    });
    const expected = products(single, pairs, tokens, false);
    for (const y of expected) expect(y.some(Number.isNaN)).toBe(false);
    expect(products(single, pairs, tokens, true)).toEqual(expected);
    const chunksBefore = pool.split.chunks;
    expect(products(pooled, pairs, tokens, true)).toEqual(expected);
    expect(pool.threads).toBe(2);
    // One job: every member at least one chunk of its own, the large one several.
    expect(pool.split.chunks - chunksBefore).toBeGreaterThan(MEMBERS.length);
  });

  it('longer than one job takes (40 members): bitwise one by one on one thread', () => {
    const x = input(128, 4, 7);
    const pairs = Array.from({ length: 40 }, (_, i): ProductInput => [matrix('f32', 61 + i, 128, i), x]);
    const expected = products(single, pairs, 4, false);
    const chunksBefore = pool.split.chunks;
    expect(products(pooled, pairs, 4, true)).toEqual(expected);
    expect(pool.split.chunks - chunksBefore).toBeGreaterThanOrEqual(40);
  });
});
