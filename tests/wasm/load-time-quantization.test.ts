/**
 * Load-time quantization on the fast CPU backend (`quantize: 'q8' | 'q4'`, as on the GPU): each generation's seeded
 * synthetic model, stored in f16 or f32 (v6 / v7 with a LoRA width of 16, whose up-projections are no whole blocks and
 * stay f16), gives the logits of the oracle run on the same quantized values (src/quantize/oracle-weights.ts, the
 * quantize-then-dequantize mode) within 1e-3 at every position, in prefill chunks and token by token; every matrix
 * takes the bytes of its format (Q8_0 1.0625, Q4_1 0.625, f16 2 bytes per weight); 1 and 2 threads agree bit for bit;
 * createEngine takes the option. The FP32 / FP16 fixtures likewise (../shared/fixtures; skipped loudly when absent).
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { InferenceBackend } from '../../src/backend/backend.js';
import { createEngine } from '../../src/engine/engine.js';
import { openModelStream } from '../../src/formats/load.js';
import { collectModel } from '../../src/formats/tensor-stream.js';
import { createState } from '../../src/generations/state.js';
import { isLinearWeight } from '../../src/generations/weight-class.js';
import type { CanonicalModel, Generation } from '../../src/model/spec.js';
import type { LoadTimeQuantization } from '../../src/quantize/load-time-formats.js';
import { quantizedAsLoaded } from '../../src/quantize/oracle-weights.js';
import { createReferenceModel } from '../../src/reference/model.js';
import type { CompactFormat } from '../../src/wasm/kernels.js';
import { describeWithFixtures, REFERENCE_PROMPT, referenceLogitsCases } from '../fixtures.js';
import { backendOver, blockModelBytes, maxDifference, tokenSequence } from './helpers.js';

/** Against the oracle on the same quantized values (the kernels sum blocks in f32, the oracle in f64). */
const TOLERANCE = 1e-3;

const BYTES_PER_WEIGHT: Partial<Record<CompactFormat, number>> = { q8_0: 1.0625, q4_1: 0.625, f16: 2 };

const QUANTIZATIONS: LoadTimeQuantization[] = [
  { quantize: 'q8' },
  { quantize: 'q4' },
  { quantize: 'q4', head: false, embedding: false },
];

const opened: InferenceBackend[] = [];

async function open(bytes: Uint8Array, quantization: LoadTimeQuantization, threads = 1): Promise<InferenceBackend> {
  const backend = await backendOver(bytes, 'cpu', threads, quantization);
  opened.push(backend);
  return backend;
}

afterEach(() => {
  for (const backend of opened.splice(0)) backend.dispose();
});

/**
 * The bytes of each format a model's linear weights take after `quantization`: rows that are no whole 32-value blocks
 * and a head or embedding kept out in f16; under 'q8' everything else Q8_0, under 'q4' the head and embedding Q8_0
 * and the rest Q4_1.
 */
function expectedFormats(
  model: CanonicalModel,
  quantization: LoadTimeQuantization,
): Partial<Record<CompactFormat, number>> {
  const bytes: Partial<Record<CompactFormat, number>> = {};
  for (const { name, shape, data } of model.tensors.values()) {
    if (!isLinearWeight(name)) continue;
    const keptOut =
      (name === 'head.weight' && quantization.head === false) ||
      (name === 'emb.weight' && quantization.embedding === false);
    const eightBit = quantization.quantize === 'q8' || name === 'head.weight' || name === 'emb.weight';
    const format = shape[shape.length - 1] % 32 !== 0 || keptOut ? 'f16' : eightBit ? 'q8_0' : 'q4_1';
    bytes[format] = (bytes[format] ?? 0) + data.length * BYTES_PER_WEIGHT[format]!;
  }
  return bytes;
}

/** The oracle's logits at every position of `tokens`, on the values the file holds after `quantization`. */
async function oracleLogits(bytes: Uint8Array, quantization: LoadTimeQuantization, tokens: Uint32Array) {
  const model = quantizedAsLoaded(await collectModel(await openModelStream(bytes)), quantization);
  return createReferenceModel(model).forward(tokens, createState(model.spec), { allLogits: true });
}

/** Logits at every position: `tokens` fed to a fresh state in the given chunks. */
async function fastLogits(backend: InferenceBackend, tokens: Uint32Array, chunks: number[]): Promise<Float32Array> {
  const { nVocab } = backend.spec;
  const state = await backend.allocateState();
  const out = new Float32Array(tokens.length * nVocab);
  let at = 0;
  for (const length of chunks) {
    out.set(await backend.prefill(state, tokens.subarray(at, at + length), { allLogits: true }), at * nVocab);
    at += length;
  }
  return out;
}

const CASES = (['4', '5.1', '5.2', '6', '7'] as Generation[]).flatMap((generation) =>
  QUANTIZATIONS.map((quantization) => [generation, quantization] as const),
);

describe.each(CASES)('fast CPU backend quantized at load: RWKV %s, %o', (generation, quantization) => {
  it.each(['f16', 'f32'] as const)(
    '%s file: the oracle on the same values at every position, chunked and serial',
    async (type) => {
      const bytes = blockModelBytes(type, generation, 11, 64, {
        mix: 32,
        decay: 16,
        iclr: 32,
        valueResidual: 32,
        gate: 32,
      });
      const fast = await open(bytes, quantization);
      const model = await collectModel(await openModelStream(bytes));
      expect(fast.description.cpu?.weightFormats).toEqual(expectedFormats(model, quantization));
      const tokens = tokenSequence(21);
      const expected = await oracleLogits(bytes, quantization, tokens);
      expect(maxDifference(await fastLogits(fast, tokens, [9, 1, 11]), expected)).toBeLessThan(TOLERANCE);
      const serial = await fastLogits(fast, tokens.subarray(0, 6), [1, 1, 1, 1, 1, 1]);
      expect(maxDifference(serial, expected.subarray(0, serial.length))).toBeLessThan(TOLERANCE);
    },
  );
});

describe('fast CPU backend quantized at load, threads and the engine', () => {
  it('gives the same logits on 2 threads as on one, bit for bit (C = 512: the products are split)', async () => {
    const bytes = blockModelBytes('f16', '7', 5, 512);
    const [one, two] = [await open(bytes, { quantize: 'q4' }, 1), await open(bytes, { quantize: 'q4' }, 2)];
    expect(two.description.cpu?.threads).toBe(2);
    expect(Object.keys(two.description.cpu?.weightFormats ?? {}).sort()).toEqual(['q4_1', 'q8_0']);
    expect(two.description.cpu?.weightFormats).toEqual(one.description.cpu?.weightFormats);
    const tokens = tokenSequence(9);
    expect(await fastLogits(two, tokens, [8, 1])).toEqual(await fastLogits(one, tokens, [8, 1]));
  });

  it("is createEngine's `quantize` option on backend 'cpu', reported in info.cpu.weightFormats", async () => {
    const bytes = blockModelBytes('f16', '7');
    const engine = await createEngine({ model: bytes, backend: 'cpu', quantize: 'q4', threads: 1 });
    expect(Object.keys(engine.info.cpu?.weightFormats ?? {}).sort()).toEqual(['q4_1', 'q8_0']);
    const session = await engine.createSession();
    const tokens = tokenSequence(5);
    await session.prefill(tokens);
    const expected = await oracleLogits(bytes, { quantize: 'q4' }, tokens);
    expect(maxDifference(await session.logits(), expected.subarray(4 * 256))).toBeLessThan(TOLERANCE);
    await engine.dispose();
  });
});

describeWithFixtures('fast CPU backend quantized at load on the rwkv.cpp fixtures', () => {
  const tokens = Uint32Array.from(Buffer.from(REFERENCE_PROMPT, 'latin1'));
  const cases = referenceLogitsCases()
    .filter(({ format }) => format === 'FP32' || format === 'FP16')
    .flatMap((fixture) =>
      (['q8', 'q4'] as const).map(
        (quantize) => [`${fixture.model} ${fixture.format} ${quantize}`, fixture.modelFile, quantize] as const,
      ),
    );
  it.each(cases)(
    '%s: the oracle on the same values at every position, chunked and serial',
    async (_, modelFile, quantize) => {
      const bytes = new Uint8Array(readFileSync(modelFile));
      const fast = await open(bytes, { quantize });
      expect(fast.description.cpu?.weightFormats).toEqual(
        expectedFormats(await collectModel(await openModelStream(bytes)), { quantize }),
      );
      const expected = await oracleLogits(bytes, { quantize }, tokens);
      expect(maxDifference(await fastLogits(fast, tokens, [tokens.length]), expected)).toBeLessThan(TOLERANCE);
      expect(maxDifference(await fastLogits(fast, tokens, [1, 1, 1]), expected)).toBeLessThan(TOLERANCE);
    },
  );
});
