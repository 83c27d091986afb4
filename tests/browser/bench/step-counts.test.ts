/**
 * The bench's counts (src/bench/step-counts.ts) on small synthetic models of every generation, against a derivation
 * written independently here: the dispatches of each layer as each generation's math needs them (one per op of its
 * GPU layer header, every matrix one part), every weight tensor's bytes in the f32 GPU layout (rows padded to whole
 * 16-byte chunks), the state's floats per layer, and what a greedy decode reads back: its top candidate per session
 * (the whole row of logits for comparison).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countSteps, type StepCounts } from '../../../src/bench/step-counts.js';
import { GENERATIONS, type CanonicalModel, type Generation, type ModelSpec } from '../../../src/model/spec.js';
import { createGpuModel, type GpuModel } from '../../../src/runtime/model.js';
import { isLinearWeight } from '../../../src/generations/weight-class.js';
import { gpu } from '../gpu-harness.js';
import { syntheticModel } from '../runtime/helpers.js';

/** Dispatches of a time mix + channel mix, the most of any layer. */
const DISPATCHES_PER_LAYER: Record<Generation, number> = {
  // norm-shift-mix (3 mixes), grouped k v r, wkv4 (with σ(r)·wkv), Wo | norm-shift-mix (2 mixes), grouped key +
  // receptance, value, gate
  '4': 1 + 1 + 1 + 1 + (1 + 1 + 1 + 1),
  // norm-shift-mix (3 mixes), grouped r k v, wkv5 (with GroupNorm), Wo | as v4
  '5.1': 1 + 1 + 1 + 1 + 4,
  // norm-shift-mix (4 mixes), grouped r k v g, wkv5 (with GroupNorm and SiLU gate), Wo | as v4
  '5.2': 1 + 1 + 1 + 1 + 4,
  // norm-shift-mix (normed, shifted, xxx mix), maa W1, maa W2 + the 5 mixes, grouped r k v g + decay W1, wkv (with
  // decay W2, the decay, GroupNorm and gate), Wo | as v4
  '6': 1 + 1 + 1 + 1 + 1 + 1 + 4,
  // norm-shift-mix (6 mixes), grouped r k v + LoRA first halves, grouped LoRA second halves, wkv7 (with the decay,
  // learning rate, value residual, L2, key adjust, GroupNorm, bonus gate), Wo | norm-shift-mix, key, value
  '7': 1 + 1 + 1 + 1 + 1 + (1 + 2),
};
/** Members of each grouped linear of a layer (v7: of a layer after the first; layer 0 has no value LoRA). */
const GROUPED_MEMBERS: Record<Generation, readonly number[]> = {
  '4': [3, 2],
  '5.1': [3, 2],
  '5.2': [4, 2],
  '6': [5, 2],
  '7': [7, 4],
};
/**
 * Dispatches a prefill chunk's layers take beyond decode's: on token rows a grouped linear runs one product per
 * member instead of one dispatch.
 */
function prefillExtraDispatches(spec: ModelSpec): number {
  const perLayer = GROUPED_MEMBERS[spec.generation].reduce((sum, members) => sum + members - 1, 0);
  return spec.nLayer * perLayer - (spec.generation === '7' ? 2 : 0);
}
/**
 * The WKV's chain of dependent state updates over 128 tokens: v4's scan, one per token; the chunk-parallel form's
 * sub-chunks of 16 tokens (v7 at head size 64: of 8, for its five [L, S] tiles to fit 16 KiB of workgroup memory).
 */
const WKV_STEPS_PER_128: Record<Generation, number> = { '4': 128, '5.1': 8, '5.2': 8, '6': 8, '7': 16 };
/** Outside the layers: embedding gather, ln0; ln_out, head. */
const OUTSIDE_LAYERS = 4;
/** A greedy decode's selection of its top candidate after the head. */
const SELECTION = 1;
/** What a greedy decode reads back per session: flags, the softmax's denominator, one id, one logit (u32 / f32). */
const GREEDY_READBACK_BYTES = 16;
/** Model creation compiles every pipeline of decode and prefill (SwiftShader: the chunked WKV alone takes seconds). */
const MODEL_CREATION_TIMEOUT_MS = 180_000;

function layoutBytes(model: CanonicalModel): { all: number; embeddingRow: number; embedding: number } {
  let all = 0;
  let embedding = 0;
  let embeddingRow = 0;
  for (const [name, tensor] of model.tensors) {
    const elements = tensor.shape.reduce((n, d) => n * d, 1);
    const columns = tensor.shape[tensor.shape.length - 1];
    const bytes = isLinearWeight(name) ? (elements / columns) * Math.ceil(columns / 4) * 16 : elements * 4;
    all += bytes;
    if (name === 'emb.weight') [embedding, embeddingRow] = [bytes, Math.ceil(columns / 4) * 16];
  }
  return { all, embedding, embeddingRow };
}

function stateBytes(spec: ModelSpec): number {
  const wkv = spec.generation === '4' ? 3 * spec.nEmbed : spec.nHead * spec.headSize * spec.headSize;
  return spec.nLayer * (2 * spec.nEmbed + wkv) * 4;
}

describe.each(GENERATIONS)('bench counts, RWKV %s', (generation) => {
  const canonical = syntheticModel(generation);
  const { spec } = canonical;
  let model: GpuModel;
  let counts: StepCounts;
  beforeAll(async () => {
    model = await createGpuModel((await gpu()).context, canonical, { maxSessions: 8, maxBatch: 8 });
    counts = countSteps(model, 8, 512);
  }, MODEL_CREATION_TIMEOUT_MS);
  afterAll(() => model?.dispose());

  it('counts the dispatches of decode and of a 512-token prefill', () => {
    const perStep = OUTSIDE_LAYERS + spec.nLayer * DISPATCHES_PER_LAYER[generation];
    expect(counts.decodeDispatchesPerLayer).toBe(DISPATCHES_PER_LAYER[generation]);
    expect(counts.decodeDispatchesPerToken).toBe(perStep + SELECTION);
    expect(counts.decodeBatch.dispatchesPerToken).toBe((perStep + SELECTION) / 8);
    // four chunks of 128 tokens, the head after the last only
    expect(counts.prefill.dispatchesPerToken).toBe((4 * (perStep - 2 + prefillExtraDispatches(spec)) + 2) / 512);
    expect(counts.decode1.workgroupsMin).toBeGreaterThanOrEqual(1);
    expect(counts.decode1.workgroupsMedian).toBeGreaterThanOrEqual(counts.decode1.workgroupsMin);
  });

  it('counts every weight read once per decoded token, the state once, the greedy candidate of each row', () => {
    const bytes = layoutBytes(canonical);
    const weights = bytes.all - bytes.embedding + bytes.embeddingRow;
    expect(counts.weightBytesReadPerToken).toBe(weights);
    expect(counts.stateBytesReadPerToken).toBe(stateBytes(spec));
    expect(counts.minimumBytesPerToken).toBe(weights + stateBytes(spec));
    expect(counts.readbackBytesPerToken).toBe(GREEDY_READBACK_BYTES);
    expect(counts.wholeRowReadbackBytesPerToken).toBe(spec.nVocab * 4);
    expect(counts.decodeBatch.weightBytesReadPerToken).toBe((bytes.all - bytes.embedding) / 8 + bytes.embeddingRow);
    expect(counts.decodeBatch.readbackBytesPerToken).toBe(GREEDY_READBACK_BYTES);
    expect(counts.prefill.readbackBytesPerToken).toBe((spec.nVocab * 4) / 512);
  });

  it('counts the dependent steps of the WKV over a 128-token chunk', () => {
    expect(counts.wkvSerialStepsPer128).toBe(WKV_STEPS_PER_128[generation]);
  });
});
