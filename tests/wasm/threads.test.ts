/**
 * The fast CPU backend on worker threads (Node's worker_threads sharing the WebAssembly memory): a model wide enough
 * (C = 512) that its matrix products are split between the threads even for one token, run on 1 and 2 threads,
 * against each other (bitwise: every row is computed by the same kernel whatever the split) and against the oracle
 * (the reference backend over the same file), for prefill at every position and a batched decode; the workers
 * taking part, the 'auto' count, createEngine's `threads` option and `info.cpu.threads`.
 */
import { availableParallelism } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import type { InferenceBackend } from '../../src/backend/backend.js';
import { WasmCpuBackend } from '../../src/backend/wasm-cpu.js';
import { createEngine } from '../../src/engine/engine.js';
import type { ThreadCount } from '../../src/wasm/threads.js';
import {
  backendOver,
  blockModelBytes,
  MATRIX_TYPES,
  maxDifference,
  tokenSequence,
  type MatrixType,
} from './helpers.js';

/** Against the oracle: f32 / f16 matrices within 1e-4, quantized ones (dequantized by the oracle) within 1e-3. */
const TOLERANCE: Record<MatrixType, number> = {
  f32: 1e-4,
  f16: 1e-4,
  q8_0: 1e-3,
  q4_0: 1e-3,
  q4_1: 1e-3,
  q5_0: 1e-3,
  q5_1: 1e-3,
};

const opened: InferenceBackend[] = [];

async function open(
  bytes: Uint8Array,
  choice: 'cpu' | 'reference',
  threads: ThreadCount = 1,
): Promise<InferenceBackend> {
  const backend = await backendOver(bytes, choice, threads);
  opened.push(backend);
  return backend;
}

afterEach(() => {
  for (const backend of opened.splice(0)) backend.dispose();
});

describe.each(MATRIX_TYPES)('fast CPU backend on 2 threads, %s matrices', (type) => {
  const bytes = blockModelBytes(type, '7', 5, 512);

  it('prefills as one thread does, bit for bit, and as the oracle does, at every position', async () => {
    const [one, two, reference] = await Promise.all([
      open(bytes, 'cpu', 1),
      open(bytes, 'cpu', 2),
      open(bytes, 'reference'),
    ]);
    expect(one.description.cpu?.threads).toBe(1);
    expect(two.description.cpu).toMatchObject({ kernels: 'wasm-simd128', threads: 2 });
    const [a, b, c] = [await one.allocateState(), await two.allocateState(), await reference.allocateState()];
    const tokens = tokenSequence(13);
    for (const chunk of [tokens.subarray(0, 12), tokens.subarray(12)]) {
      const single = await one.prefill(a, chunk, { allLogits: true });
      const threaded = await two.prefill(b, chunk, { allLogits: true });
      expect(threaded).toEqual(single);
      expect(maxDifference(threaded, await reference.prefill(c, chunk, { allLogits: true }))).toBeLessThan(
        TOLERANCE[type],
      );
    }
    expect((await two.readState(b)).data).toEqual((await one.readState(a)).data);
  });

  it('decodes four sessions in one batch as one thread does and as the oracle does each alone', async () => {
    const [one, two, reference] = await Promise.all([
      open(bytes, 'cpu', 1),
      open(bytes, 'cpu', 2),
      open(bytes, 'reference'),
    ]);
    const allocate = (backend: InferenceBackend) =>
      Promise.all(Array.from({ length: 4 }, () => backend.allocateState()));
    const [singles, threads, references] = [await allocate(one), await allocate(two), await allocate(reference)];
    for (let step = 0; step < 2; step++) {
      const next = tokenSequence(4, step + 3);
      const single = await one.decode(singles, next);
      const threaded = await two.decode(threads, next);
      for (let i = 0; i < 4; i++) {
        expect(threaded[i]).toEqual(single[i]);
        const [expected] = await reference.decode([references[i]], next.subarray(i, i + 1));
        expect(maxDifference(threaded[i], expected)).toBeLessThan(TOLERANCE[type]);
      }
    }
  });
});

describe('fast CPU backend threads', () => {
  const bytes = blockModelBytes('f16', '7', 5, 512);

  it('has the workers compute chunks of the split products', async () => {
    const backend = await open(bytes, 'cpu', 2);
    if (!(backend instanceof WasmCpuBackend)) throw new Error('expected the fast backend');
    const state = await backend.allocateState();
    // The caller claims chunks too, so on a busy machine a worker may miss a job: try a few times.
    for (let i = 0; i < 50 && backend.split.byWorkers === 0; i++) await backend.prefill(state, tokenSequence(8));
    expect(backend.split.byWorkers).toBeGreaterThan(0);
    expect(backend.split.chunks).toBeGreaterThanOrEqual(backend.split.byWorkers);
  });

  it("takes one thread per core, at most 4 (docs/api.md), with 'auto'", async () => {
    const backend = await open(bytes, 'cpu', 'auto');
    expect(backend.description.cpu?.threads).toBe(Math.min(availableParallelism(), 4));
  });

  it('runs the fast layer of every other generation on 2 threads exactly as on one', async () => {
    for (const generation of ['4', '5.1', '5.2', '6'] as const) {
      // Wide enough (C = 256) that the products of a 13-token prompt are split.
      const generationBytes = blockModelBytes('f16', generation, 5, 256);
      const [two, one] = [await open(generationBytes, 'cpu', 2), await open(generationBytes, 'cpu', 1)];
      expect(two.description.cpu).toMatchObject({ kernels: 'wasm-simd128', threads: 2 });
      const tokens = tokenSequence(13);
      const expected = await one.prefill(await one.allocateState(), tokens, { allLogits: true });
      expect(await two.prefill(await two.allocateState(), tokens, { allLogits: true })).toEqual(expected);
    }
  });

  it("is createEngine's `threads` option, reported in info.cpu.threads; a count that is no positive integer is refused", async () => {
    const engine = await createEngine({ model: bytes, backend: 'cpu', threads: 2 });
    expect(engine.info.cpu?.threads).toBe(2);
    const session = await engine.createSession();
    await session.prefill(tokenSequence(4));
    const pieces = [];
    for await (const piece of session.generate({ maxTokens: 3, temperature: 0 })) pieces.push(piece.token);
    expect(pieces).toHaveLength(3);
    await engine.dispose();
    for (const threads of [0, 1.5, 'many' as unknown as number]) {
      await expect(createEngine({ model: bytes, backend: 'cpu', threads })).rejects.toThrow(TypeError);
    }
  });
});
