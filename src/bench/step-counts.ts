/**
 * What decides GPU speed, counted exactly from the dispatches the forward pass encodes (GpuModel.describeStep, the
 * plan the step runner encodes), so the same on any adapter:
 * - dispatches per token, and per layer (the most any layer has);
 * - workgroups per dispatch (min / median);
 * - bytes of weights and of state read per token — each weight binding once per dispatch that binds it, a gather
 *   (the embedding rows) or the state of the step's sessions as the kernel declares it — against the minimum: every
 *   weight the step binds read once (the embedding: its gathered rows), each session's state read once;
 * - bytes read back to the CPU per token: of a greedy decode, the top candidate selected on the GPU (and, for
 *   comparison, the whole row of logits that sampling with penalties, bias or a grammar mask reads back);
 * - the WKV's serial chain for a 128-token prefill chunk (the longest chain of dependent steps of any dispatch).
 * Three regimes: greedy decode of one session, of a batch, and a prefill prompt in chunks of the model's maxChunk.
 */
import type { Launch } from '../gpu/step/step-builder.js';
import type { GpuModel, ModelStepDescription } from '../runtime/model.js';
import type { LogitRows } from '../runtime/step-runner.js';
import { stateSize } from '../generations/state.js';

export interface RegimeCounts {
  /** Tokens the regime feeds (B for a decode step, the prompt length for prefill). */
  tokens: number;
  dispatchesPerToken: number;
  workgroupsMin: number;
  workgroupsMedian: number;
  weightBytesReadPerToken: number;
  stateBytesReadPerToken: number;
  /** Every bound weight once and each session's state once, per token. */
  minimumBytesPerToken: number;
  readbackBytesPerToken: number;
}

/** The bench's `counts` of a model: the decode-of-one figures by name, then every regime. */
export interface StepCounts {
  decodeDispatchesPerToken: number;
  decodeDispatchesPerLayer: number;
  weightBytesReadPerToken: number;
  /** Weights and state: the floor for weightBytesReadPerToken + stateBytesReadPerToken. */
  minimumBytesPerToken: number;
  stateBytesReadPerToken: number;
  /** A greedy decode step of one session: its top candidate. */
  readbackBytesPerToken: number;
  /** The same step reading back the whole row of logits (penalties, logit bias, grammar masks, logprobs). */
  wholeRowReadbackBytesPerToken: number;
  wkvSerialStepsPer128: number;
  decode1: RegimeCounts;
  decodeBatch: RegimeCounts;
  prefill: RegimeCounts;
}

/** Candidates a greedy sampler reads back. */
const GREEDY = 1;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function bufferOf(binding: Launch['bindings'][number]): { buffer: GPUBuffer; size: number } {
  return 'buffer' in binding
    ? { buffer: binding.buffer, size: binding.size ?? binding.buffer.size - (binding.offset ?? 0) }
    : { buffer: binding, size: binding.size };
}

/** Bytes launch `launch` reads from its bindings whose buffer passes `which`, and those bindings' buffers. */
function bytesRead(
  launch: Launch,
  which: (buffer: GPUBuffer) => boolean,
): { bytes: number; buffers: Map<GPUBuffer, number> } {
  const buffers = new Map<GPUBuffer, number>();
  let bytes = 0;
  launch.bindings.forEach((binding, index) => {
    const { buffer, size } = bufferOf(binding);
    if (!which(buffer)) return;
    const read = launch.dispatch.partialReads?.[index] ?? size;
    bytes += read;
    buffers.set(buffer, Math.max(buffers.get(buffer) ?? 0, read));
  });
  return { bytes, buffers };
}

/** Counts over the steps of one regime (`sessions` per step), `tokens` tokens fed in all. */
function countRegime(
  steps: readonly ModelStepDescription[],
  sessions: number,
  tokens: number,
  stateBytesPerSession: number,
): RegimeCounts {
  const launches = steps.flatMap((step) => step.launches);
  const workgroups = launches.map(({ dispatch }) => dispatch.workgroups.reduce((product, n) => product * n, 1));
  let weightBytes = 0;
  let stateBytes = 0;
  let minimum = 0;
  for (const step of steps) {
    const bound = new Map<GPUBuffer, number>();
    for (const launch of step.launches) {
      const weights = bytesRead(launch, step.isWeight);
      weightBytes += weights.bytes;
      for (const [buffer, read] of weights.buffers) bound.set(buffer, Math.max(bound.get(buffer) ?? 0, read));
      stateBytes += bytesRead(launch, (buffer) => buffer === step.stateBuffer).bytes;
    }
    minimum += [...bound.values()].reduce((sum, read) => sum + read, 0) + sessions * stateBytesPerSession;
  }
  return {
    tokens,
    dispatchesPerToken: launches.length / tokens,
    workgroupsMin: Math.min(...workgroups),
    workgroupsMedian: median(workgroups),
    weightBytesReadPerToken: weightBytes / tokens,
    stateBytesReadPerToken: stateBytes / tokens,
    minimumBytesPerToken: minimum / tokens,
    readbackBytesPerToken: steps.reduce((sum, step) => sum + step.readbackBytes, 0) / tokens,
  };
}

/** The counts of `model`: greedy decode of 1 and of `batch` sessions, a `promptTokens` prefill in maxChunk chunks. */
export function countSteps(model: GpuModel, batch: number, promptTokens: number): StepCounts {
  const stateBytes = stateSize(model.spec) * 4;
  const decode1 = model.describeStep(1, 1, 'last', GREEDY);
  const chunks: ModelStepDescription[] = [];
  for (let start = 0; start < promptTokens; start += model.maxChunk) {
    const length = Math.min(model.maxChunk, promptTokens - start);
    const output: LogitRows = start + length === promptTokens ? 'last' : 'none';
    chunks.push(model.describeStep(1, length, output));
  }
  const chunk128 = model.describeStep(1, Math.min(128, model.maxChunk), 'none');
  const one = countRegime([decode1], 1, 1, stateBytes);
  return {
    decodeDispatchesPerToken: one.dispatchesPerToken,
    decodeDispatchesPerLayer: Math.max(...decode1.layerLaunches.map((layer) => layer.length)),
    weightBytesReadPerToken: one.weightBytesReadPerToken,
    minimumBytesPerToken: one.minimumBytesPerToken,
    stateBytesReadPerToken: one.stateBytesReadPerToken,
    readbackBytesPerToken: one.readbackBytesPerToken,
    wholeRowReadbackBytesPerToken: model.describeStep(1, 1, 'last').readbackBytes,
    wkvSerialStepsPer128: Math.max(...chunk128.launches.map(({ dispatch }) => dispatch.serialSteps ?? 1)),
    decode1: one,
    decodeBatch: countRegime([model.describeStep(batch, 1, 'last', GREEDY)], batch, batch, stateBytes),
    prefill: countRegime(chunks, 1, promptTokens, stateBytes),
  };
}
