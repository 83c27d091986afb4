/**
 * The WKV kernels (shaders/wkv4.wgsl with v4's receptance gate, wkv5.wgsl for v5.1 / v5.2 / v6 with GroupNorm and gate, wkv7.wgsl with v7's
 * per-head glue) against the CPU oracle's one-token steps (src/cpu/ops.ts) looped over the chunk, on seeded random
 * inputs of awkward sizes. The sessions' states sit at scattered offsets of one state pool filled with
 * noise, so the whole pool is compared: each session's final state, and every float outside them left untouched.
 */
import { describe, it } from 'vitest';
import { tokenParams } from '../../../src/gpu/kernels/step-params-uniform.js';
import {
  add,
  groupNorm,
  l2NormalizeHeads,
  matMat,
  mul,
  sigmoid,
  silu,
  wkv4Step,
  wkv5Step,
  wkv7Step,
} from '../../../src/cpu/ops.js';
import { wkv4Kernel, wkv5Kernel, wkv7Kernel, type WkvForm } from '../../../src/gpu/kernels/wkv.js';
import type { KernelDispatch } from '../../../src/gpu/kernel-runner.js';
import { packRows } from '../../../src/gpu/matrix-layout.js';
import { expectClose, inout, output, randomArray, runKernel, uniform, type HarnessBinding } from '../gpu-harness.js';

/**
 * Relative to max(1, max |expected|). The chunk-parallel form sums in another order and takes decays as exp of
 * log-decay differences: measured ≤ 1.2e-5 here, at every T (docs/gpu.md); the bound is 1e-3.
 */
const TOLERANCE: Record<WkvForm, number> = { serial: 1e-5, chunked: 1e-4 };
const HEADS = 3;
const HEAD_SIZES = [8, 24, 64];
const TOKEN_COUNTS = [1, 5, 37];
const BATCHES = [1, 3];

/** Values of `fn` over seeded uniform noise in [−1, 1). */
function randomMapped(length: number, seed: number, fn: (x: number) => number): Float32Array {
  return Float32Array.from(randomArray(length, seed), fn);
}

/**
 * A pool of B + 1 slots of noise; batch element b's state (`size` floats) starts at an unaligned offset inside slot
 * B − b, so sessions are neither in batch order nor adjacent.
 */
function statePool(batch: number, size: number, seed: number): { pool: Float32Array; offsets: number[] } {
  const slot = size + 7;
  const offsets = Array.from({ length: batch }, (_, b) => (batch - b) * slot + 3);
  return { pool: randomArray((batch + 1) * slot, seed), offsets };
}

/** Row t of sequence b of a [B, T, width] array. */
function row(array: Float32Array, b: number, t: number, tokens: number, width: number): Float32Array {
  const start = (b * tokens + t) * width;
  return array.subarray(start, start + width);
}

/** Runs a WKV kernel whose bindings hold one read_write state pool and one output; compares both with the oracle's. */
async function expectWkvRun(
  dispatch: KernelDispatch,
  bindings: readonly HarnessBinding[],
  expected: { out: Float32Array; pool: Float32Array },
  tolerance: number,
): Promise<void> {
  const [statesAfter, out] = await runKernel(dispatch, bindings);
  expectClose(out, expected.out, tolerance);
  expectClose(statesAfter, expected.pool, tolerance);
}

describe('WKV v4 kernel', () => {
  for (const channels of [72, 200]) {
    for (const tokens of TOKEN_COUNTS) {
      for (const batch of BATCHES) {
        it(`C ${channels}, T ${tokens}, B ${batch}`, async () => {
          const seed = channels * 1000 + tokens * 10 + batch;
          const n = batch * tokens * channels;
          const timeFirst = randomArray(channels, seed + 1);
          const timeDecay = randomMapped(channels, seed + 2, (x) => -Math.exp(2 * x - 1));
          const k = randomArray(n, seed + 3, 5);
          const v = randomArray(n, seed + 4, 2);
          const r = randomArray(n, seed + 12, 3);
          const { pool, offsets } = statePool(batch, 3 * channels, seed + 5);
          offsets.forEach((offset, b) => {
            const aa = pool.subarray(offset, offset + channels);
            const bb = pool.subarray(offset + channels, offset + 2 * channels);
            const pp = pool.subarray(offset + 2 * channels, offset + 3 * channels);
            if (b === 0) {
              aa.fill(0);
              bb.fill(0);
              pp.fill(-1e30);
            } else {
              bb.set(randomMapped(channels, seed + 6 + b, (x) => 1.5 + x));
              pp.set(randomArray(channels, seed + 9 + b, 3));
            }
          });

          const expectedPool = pool.slice();
          const expectedOut = new Float32Array(n);
          offsets.forEach((offset, b) => {
            const aa = expectedPool.subarray(offset, offset + channels);
            const bb = expectedPool.subarray(offset + channels, offset + 2 * channels);
            const pp = expectedPool.subarray(offset + 2 * channels, offset + 3 * channels);
            for (let t = 0; t < tokens; t++) {
              const [kt, vt, out] = [k, v, expectedOut].map((a) => row(a, b, t, tokens, channels));
              wkv4Step(kt, vt, timeFirst, timeDecay, aa, bb, pp, out);
            }
          });
          mul(sigmoid(r), expectedOut, expectedOut);

          await expectWkvRun(
            wkv4Kernel(channels, batch, tokens),
            [uniform(tokenParams(tokens, offsets)), inout(pool), timeFirst, timeDecay, k, v, r, output(n)],
            { out: expectedOut, pool: expectedPool },
            TOLERANCE.serial,
          );
        });
      }
    }
  }
});

/** How a v5-family generation feeds its decay w and bonus u to the kernel (see shaders/wkv5.wgsl). */
const V5_VARIANTS = [
  { generation: '5.1', perHead: true, perToken: false, gated: false, eps: 1e-5 },
  { generation: '5.2', perHead: false, perToken: false, gated: true, eps: 1e-5 },
  { generation: '6', perHead: false, perToken: true, gated: true, eps: 64e-5 },
] as const;

/**
 * The inputs as planes of one buffer, an aligned stride apart with a NaN-filled gap after each (as the scratch lays
 * them out, src/gpu/step/scratch.ts).
 */
function packPlanes(inputs: readonly Float32Array[]): { planes: Float32Array; stride: number } {
  const stride = Math.ceil(inputs[0].length / 64) * 64 + 64;
  const planes = new Float32Array(inputs.length * stride).fill(Number.NaN);
  inputs.forEach((plane, p) => planes.set(plane, p * stride));
  return { planes, stride };
}

/**
 * The cases a form runs: the serial scan at every size; the chunk-parallel form at chunk lengths across and beyond
 * its sub-chunks (up to 128, the prefill chunk), with batches at one length.
 */
const CASES: Record<WkvForm, { headSize: number; tokens: number; batch: number }[]> = {
  serial: HEAD_SIZES.flatMap((headSize) =>
    TOKEN_COUNTS.flatMap((tokens) => BATCHES.map((batch) => ({ headSize, tokens, batch }))),
  ),
  chunked: HEAD_SIZES.flatMap((headSize) =>
    [5, 37, 128].map((tokens) => ({ headSize, tokens, batch: tokens === 37 ? 3 : 1 })),
  ),
};
const FORMS = ['serial', 'chunked'] as const;
/** Strong decays over a chunk and over four: the chunked form's error stays flat as T grows. */
const STRONG_DECAY_CASES = [128, 512].map((tokens) => ({ headSize: 64, tokens, batch: 1, strongDecay: true }));

/**
 * Exponents x of decay factors exp(−exp(x)): ordinary, x in [−3, 1) (factors between 0.07 and 0.95), or strong, x in
 * [−1, 5) (from 0.69 down to e^−148, which underflows to 0 in f32: a sub-chunk's cumulative decay spans hundreds of
 * orders of magnitude).
 */
function decayExponents(length: number, seed: number, strong = false): Float32Array {
  return randomMapped(length, seed, (x) => (strong ? 3 * x + 2 : 2 * x - 1));
}

/** v6's decay LoRA's hidden width in these cases: 5, so that Wd2's rows end in a padded chunk. */
const DECAY_LORA_WIDTH = 5;

/**
 * v6's decay inputs for N rows: time_decay [C], the decay LoRA's hidden [N, D] in (−1, 1) and its second half Wd2
 * [C, D], drawn so that the exponents time_decay + Wd2 · hidden [N, C] span the ranges of decayExponents.
 */
function decayLora(rows: number, channels: number, seed: number, strong = false) {
  const hidden = randomArray(rows * DECAY_LORA_WIDTH, seed + 2);
  const w2 = randomArray(channels * DECAY_LORA_WIDTH, seed + 11, (strong ? 3 : 2) / DECAY_LORA_WIDTH);
  const timeDecay = randomMapped(channels, seed + 10, (x) => (strong ? 2 : -1) + 0.1 * x);
  const exponents = add(matMat(w2, hidden, rows), timeDecay);
  return { hidden, w2, timeDecay, exponents };
}

/** exp(−exp(x)) of each exponent. */
function decayFactors(exponents: Float32Array): Float32Array {
  return exponents.map((x) => Math.exp(-Math.exp(x)));
}

/** A per-head array [H] repeated over each head's S channels, as the oracle takes v5.1's decay and bonus. */
function repeatPerHead(values: Float32Array, headSize: number): Float32Array {
  return Float32Array.from({ length: values.length * headSize }, (_, c) => values[Math.floor(c / headSize)]);
}

interface WkvCase {
  form: WkvForm;
  headSize: number;
  tokens: number;
  batch: number;
  strongDecay?: boolean;
}

function caseName({ form, headSize, tokens, batch, strongDecay }: WkvCase): string {
  return `${form}: H ${HEADS} × S ${headSize}, T ${tokens}, B ${batch}${strongDecay ? ', strong decay' : ''}`;
}

/**
 * One v5-family case: the kernel of `form` (with the GroupNorm, and the SiLU gate for v5.2 / v6) against the oracle's
 * steps, outputs and the whole state pool.
 */
async function checkWkv5(variant: (typeof V5_VARIANTS)[number], testCase: WkvCase): Promise<void> {
  const { perHead, perToken } = variant;
  const { form, headSize, tokens, batch, strongDecay } = testCase;
  const seed =
    headSize * 1000 + tokens * 10 + batch + (perHead ? 100_000 : perToken ? 200_000 : 0) + (strongDecay ? 7 : 0);
  const channels = HEADS * headSize;
  const n = batch * tokens * channels;
  const stateSize = HEADS * headSize * headSize;
  const paramLength = perHead ? HEADS : channels;
  const bonus = randomArray(paramLength, seed + 1);
  const lora = perToken ? decayLora(batch * tokens, channels, seed, strongDecay) : undefined;
  const timeDecay = lora ? lora.timeDecay : decayExponents(paramLength, seed + 2, strongDecay);
  const decay = decayFactors(lora ? lora.exponents : timeDecay);
  const [r, k, v, g] = [3, 4, 5, 7].map((s) => randomArray(n, seed + s));
  const [lnWeight, lnBias] = [8, 9].map((s) => randomArray(channels, seed + s, 1.5));
  const { pool, offsets } = statePool(batch, stateSize, seed + 6);

  const bonusPerChannel = perHead ? repeatPerHead(bonus, headSize) : bonus;
  const decayPerChannel = perHead ? repeatPerHead(decay, headSize) : decay;
  const expectedPool = pool.slice();
  const expectedOut = new Float32Array(n);
  offsets.forEach((offset, b) => {
    const state = expectedPool.subarray(offset, offset + stateSize);
    for (let t = 0; t < tokens; t++) {
      const [rt, kt, vt, out] = [r, k, v, expectedOut].map((a) => row(a, b, t, tokens, channels));
      const wt = perToken ? row(decay, b, t, tokens, channels) : decayPerChannel;
      wkv5Step(rt, kt, vt, wt, bonusPerChannel, state, headSize, out);
      groupNorm(out, HEADS, lnWeight, lnBias, variant.eps, out);
      if (variant.gated) mul(out, silu(row(g, b, t, tokens, channels)), out);
    }
  });
  const { planes, stride } = packPlanes(lora ? [r, k, v, g, lora.hidden] : variant.gated ? [r, k, v, g] : [r, k, v]);

  const kernel = wkv5Kernel({
    heads: HEADS,
    headSize,
    batch,
    tokens,
    form,
    paramsPerHead: perHead,
    decayLora: lora ? { width: DECAY_LORA_WIDTH, format: 'f32' } : undefined,
    gated: variant.gated,
    planeStride: stride,
    eps: variant.eps,
  });
  await expectWkvRun(
    kernel,
    [
      uniform(tokenParams(tokens, offsets)),
      inout(pool),
      bonus,
      lora ? timeDecay : decay,
      planes,
      lnWeight,
      lnBias,
      output(n),
      ...(lora ? [packRows(lora.w2, DECAY_LORA_WIDTH, 'f32')] : []),
    ],
    { out: expectedOut, pool: expectedPool },
    TOLERANCE[form],
  );
}

describe('WKV v5 kernel (v5.1, v5.2, v6)', () => {
  for (const variant of V5_VARIANTS) {
    for (const form of FORMS) {
      for (const testCase of CASES[form]) {
        it(`v${variant.generation}, ${caseName({ form, ...testCase })}`, () =>
          checkWkv5(variant, { form, ...testCase }));
      }
      for (const testCase of STRONG_DECAY_CASES) {
        it(`v${variant.generation}, ${caseName({ form, ...testCase })}`, () =>
          checkWkv5(variant, { form, ...testCase }));
      }
    }
  }
});

/** The GroupNorm ε of v7's ln_x. */
const V7_GROUP_NORM_EPS = 64e-5;
/** v7's decay w = exp(−e^−½ · σ(w0 + z)). */
const V7_DECAY_SCALE = Math.exp(-0.5);

/**
 * The oracle's v7 time-mix core for one token (src/generations/v7/cpu-layer.ts): kk, the key adjust, the WKV step,
 * GroupNorm, bonus and gate; `out` gets the gated output.
 */
function wkv7Glued(
  inputs: { r: Float32Array; w: Float32Array; k: Float32Array; v: Float32Array; a: Float32Array; g: Float32Array },
  vectors: { kK: Float32Array; kA: Float32Array; rK: Float32Array; lnWeight: Float32Array; lnBias: Float32Array },
  state: Float32Array,
  headSize: number,
  out: Float32Array,
): void {
  const { r, w, k, v, a, g } = inputs;
  const kk = l2NormalizeHeads(mul(k, vectors.kK), headSize);
  const adjusted = k.map((value, c) => value * (1 + (a[c] - 1) * vectors.kA[c]));
  const alpha = kk.map((x) => -x);
  const y = new Float32Array(k.length);
  wkv7Step(r, w, adjusted, v, alpha, mul(kk, a), state, headSize, y);
  groupNorm(y, k.length / headSize, vectors.lnWeight, vectors.lnBias, V7_GROUP_NORM_EPS, y);
  for (let start = 0; start < k.length; start += headSize) {
    let bonus = 0;
    for (let j = start; j < start + headSize; j++) bonus += r[j] * adjusted[j] * vectors.rK[j];
    for (let i = start; i < start + headSize; i++) out[i] = (y[i] + bonus * v[i]) * g[i];
  }
}

/**
 * One v7 case: the kernel of `form` (with its glue: the decay from w0 and the LoRA's output z, the learning rate from a0
 * and its LoRA's output, and with `valueResidual` v mixed with v_first through v0 and the value LoRA's output u)
 * against the oracle's steps: outputs (the planes' seventh), the other planes untouched, and the whole state pool.
 */
async function checkWkv7(testCase: WkvCase, valueResidual: boolean): Promise<void> {
  const { form, headSize, tokens, batch } = testCase;
  const seed = 300_000 + headSize * 1000 + tokens * 10 + batch;
  const channels = HEADS * headSize;
  const n = batch * tokens * channels;
  const stateSize = HEADS * headSize * headSize;
  const [r, k, ownV, g, u, first] = [1, 2, 3, 4, 14, 15].map((s) => randomArray(n, seed + s));
  const z = randomArray(n, seed + 5, 3);
  const aLora = randomArray(n, seed + 6, 3);
  const [kK, kA, rK, lnWeight, lnBias, w0, a0, v0] = [7, 8, 9, 10, 11, 13, 16, 17].map((s) =>
    randomArray(channels, seed + s, 1.5),
  );
  const perChannel = (values: Float32Array, vector: Float32Array, fn: (x: number, i: number) => number) =>
    values.map((value, i) => fn(value + vector[i % channels], i));
  // The decay lies in [e^−e^−½, 1) = [0.545, 1), as in any v7 model.
  const w = perChannel(z, w0, (x) => Math.exp(-V7_DECAY_SCALE / (1 + Math.exp(-x))));
  const a = perChannel(aLora, a0, (x) => 1 / (1 + Math.exp(-x)));
  const v = valueResidual ? perChannel(u, v0, (x, i) => ownV[i] + (first[i] - ownV[i]) / (1 + Math.exp(-x))) : ownV;
  const { pool, offsets } = statePool(batch, stateSize, seed + 12);
  const { planes, stride } = packPlanes([r, z, k, ownV, aLora, g, new Float32Array(n), u]);
  const firstPlanes = packPlanes([r, r, r, first]).planes;

  const expectedPool = pool.slice();
  const expectedOut = new Float32Array(n);
  offsets.forEach((offset, b) => {
    const state = expectedPool.subarray(offset, offset + stateSize);
    for (let t = 0; t < tokens; t++) {
      const [rt, wt, kt, vt, at, gt, out] = [r, w, k, v, a, g, expectedOut].map((x) => row(x, b, t, tokens, channels));
      wkv7Glued({ r: rt, w: wt, k: kt, v: vt, a: at, g: gt }, { kK, kA, rK, lnWeight, lnBias }, state, headSize, out);
    }
  });

  const vectors = [kK, kA, rK, lnWeight, lnBias, w0, a0, v0];
  const packed = new Float32Array(vectors.length * channels);
  vectors.forEach((vector, i) => packed.set(vector, i * channels));
  const [poolAfter, planesAfter] = await runKernel(
    wkv7Kernel({
      heads: HEADS,
      headSize,
      batch,
      tokens,
      form,
      planeStride: stride,
      eps: V7_GROUP_NORM_EPS,
      valueResidual,
    }),
    [uniform(tokenParams(tokens, offsets)), inout(pool), inout(planes), packed, valueResidual ? firstPlanes : packed],
  );
  expectClose(planesAfter.subarray(6 * stride, 6 * stride + n), expectedOut, TOLERANCE[form]);
  for (const p of [0, 1, 2, 3, 4, 5, 7]) {
    expectClose(planesAfter.subarray(p * stride, p * stride + n), planes.subarray(p * stride, p * stride + n), 0);
  }
  expectClose(poolAfter, expectedPool, TOLERANCE[form]);
}

describe('WKV v7 kernel (with the decay, learning rate, value residual, kk, key adjust, GroupNorm, bonus and gate)', () => {
  for (const form of FORMS) {
    // every other case with the value residual (a layer after the first), the others as layer 0
    CASES[form].forEach((testCase, i) => {
      const valueResidual = i % 2 === 1;
      it(`${caseName({ form, ...testCase })}${valueResidual ? ', value residual' : ''}`, () =>
        checkWkv7({ form, ...testCase }, valueResidual));
    });
  }
});
