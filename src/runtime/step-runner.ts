/**
 * Step execution of the GPU forward pass: one command buffer per step — the uniforms and token ids written, the
 * graph's ops encoded for the step's shape (B sessions × T tokens), the head over the rows whose logits are wanted,
 * and a copy of what is read back to the staging buffer, the only readback: whole rows of logits, or, for the
 * sessions of a decode whose sampler needs no more, the top candidates the top-candidates kernel selected from their
 * rows (a few hundred bytes instead of 4 · nVocab). A session's row that is not read back is kept on the GPU, in its
 * slot's row of the retained logits, until its next step (`readRetained`). `describeStep` lists the dispatches of the
 * same plan, for the bench's counts.
 */
import { checkGpuErrors } from '../gpu/device.js';
import { candidateRecordWords, readCandidateRecords } from '../gpu/kernels/top-candidates.js';
import type { StateSlot } from '../gpu/step/state-slots.js';
import type { Launch, StepOp, StepShape } from '../gpu/step/step-builder.js';
import type { ModelSpec } from '../model/spec.js';
import type { DecodeOutput } from '../sampling/top-candidates.js';
import type { ForwardGraph } from './forward-graph.js';
import type { StepBuffers } from './step-buffers.js';

/** Which logits a step returns: none, each session's last position, or every position. */
export type LogitRows = 'none' | 'last' | 'all';

export interface Step {
  /** Feeds tokens [B × T] to B state slots; resolves to the logits asked for (undefined for 'none'). */
  run(slots: readonly StateSlot[], tokens: Uint32Array, output: LogitRows): Promise<Float32Array | undefined>;
  /**
   * A decode (T = 1) in which session b gets its whole row when `candidates[b]` is 0, else its top candidates (at
   * least candidates[b] of them); the rows not read back are retained.
   */
  select(slots: readonly StateSlot[], tokens: Uint32Array, candidates: readonly number[]): Promise<DecodeOutput[]>;
  /** The row of logits retained for `slot` by its last `select` that read back only candidates. */
  readRetained(slot: StateSlot): Promise<Float32Array>;
}

/** One copy into the staging buffer: bytes of the logits or of the candidate records, at `offset`. */
interface ReadbackCopy {
  from: 'logits' | 'candidates';
  offset: number;
  bytes: number;
}

/** What a step encodes: the body, the head (after a copy of each session's last row when `copyLastRows`), readback. */
interface StepPlan {
  shape: StepShape;
  body: readonly StepOp[];
  copyLastRows: boolean;
  head: readonly StepOp[];
  /** The selection of top candidates over the head's rows, and how many per row; absent without candidates. */
  select?: { op: StepOp; count: number };
  /** Copies into the staging buffer, back to back. */
  readback: ReadbackCopy[];
  /** Bytes read back: the copies' sum. */
  readbackBytes: number;
}

/** Candidates the step selects per row when some session wants `wanted` (1 for greedy, else all the kernel keeps). */
function selectedCount(graph: ForwardGraph, candidates: readonly number[]): number {
  const counts = [...graph.selectTop.keys()];
  return candidates.every((wanted) => wanted <= 1) ? Math.min(...counts) : Math.max(...counts);
}

function planStep(
  spec: ModelSpec,
  graph: ForwardGraph,
  sessions: number,
  tokens: number,
  output: LogitRows,
  candidates: readonly number[] = [],
): StepPlan {
  const shape: StepShape = {
    sessions,
    tokens: tokens / sessions,
    rows: tokens,
    headRows: output === 'all' ? tokens : sessions,
  };
  const copyLastRows = output === 'last' && shape.tokens > 1;
  const head = output === 'none' ? [] : copyLastRows ? graph.headFromLastRows : graph.headFromResidual;
  const rowBytes = spec.nVocab * 4;
  const wanted = candidates.filter((count) => count > 0);
  if (output === 'none') return { shape, body: graph.body, copyLastRows, head, readback: [], readbackBytes: 0 };
  if (wanted.length === 0) {
    const bytes = shape.headRows * rowBytes;
    const readback: ReadbackCopy[] = [{ from: 'logits', offset: 0, bytes }];
    return { shape, body: graph.body, copyLastRows, head, readback, readbackBytes: bytes };
  }
  const count = selectedCount(graph, wanted);
  const largest = Math.max(...wanted);
  if (largest > count) throw new RangeError(`a step selects at most ${count} candidates per row, not ${largest}`);
  const recordBytes = candidateRecordWords(count) * 4;
  const readback = candidates.map((wants, b): ReadbackCopy =>
    wants > 0
      ? { from: 'candidates', offset: b * recordBytes, bytes: recordBytes }
      : { from: 'logits', offset: b * rowBytes, bytes: rowBytes },
  );
  const readbackBytes = readback.reduce((sum, copy) => sum + copy.bytes, 0);
  const select = { op: graph.selectTop.get(count)!, count };
  return { shape, body: graph.body, copyLastRows, head, select, readback, readbackBytes };
}

/** The dispatches of a step, as the bench counts them: every launch in encode order, each layer's, the readback. */
export interface StepDescription {
  launches: Launch[];
  layerLaunches: Launch[][];
  readbackBytes: number;
}

/**
 * Describes the step of B = `sessions` sessions feeding `tokens` tokens in all, from the plan the step encodes; with
 * `candidates` ≥ 1, a decode whose every session wants that many candidates.
 */
export function describeStep(
  spec: ModelSpec,
  graph: ForwardGraph,
  sessions: number,
  tokens: number,
  output: LogitRows,
  candidates = 0,
): StepDescription {
  const plan = planStep(spec, graph, sessions, tokens, output, new Array<number>(sessions).fill(candidates));
  const launchesOf = (ops: readonly StepOp[]) => ops.flatMap((op) => op.launches(plan.shape));
  return {
    launches: launchesOf([...plan.body, ...plan.head, ...(plan.select ? [plan.select.op] : [])]),
    layerLaunches: graph.layers.map(launchesOf),
    readbackBytes: plan.readbackBytes,
  };
}

export function createStep(device: GPUDevice, spec: ModelSpec, graph: ForwardGraph, buffers: StepBuffers): Step {
  const rowBytes = spec.nEmbed * 4;
  const logitRowBytes = spec.nVocab * 4;

  /** Encodes and submits the plan's step; resolves to the staging buffer's bytes read back. */
  const execute = (slots: readonly StateSlot[], tokens: Uint32Array, plan: StepPlan): Promise<ArrayBuffer> =>
    checkGpuErrors(device, 'running a forward step', async () => {
      const { shape, body, copyLastRows, head, select, readback, readbackBytes } = plan;
      buffers.params.write(shape, slots);
      device.queue.writeBuffer(buffers.tokens, 0, tokens);
      const encoder = device.createCommandEncoder({ label: 'forward step' });
      let pass = encoder.beginComputePass({ label: 'layers' });
      for (const op of body) op.encode(pass, shape);
      if (copyLastRows) {
        pass.end();
        slots.forEach((_, b) => {
          const row = b * shape.tokens + shape.tokens - 1;
          encoder.copyBufferToBuffer(graph.x, row * rowBytes, graph.lastRows, b * rowBytes, rowBytes);
        });
        pass = encoder.beginComputePass({ label: 'head' });
      }
      for (const op of head) op.encode(pass, shape);
      select?.op.encode(pass, shape);
      pass.end();
      let at = 0;
      readback.forEach((copy, b) => {
        const source = copy.from === 'logits' ? buffers.logits : buffers.candidates;
        encoder.copyBufferToBuffer(source, copy.offset, buffers.staging, at, copy.bytes);
        at += copy.bytes;
        if (copy.from === 'candidates') {
          const slot = slots[b].slot;
          const [from, to] = [b * logitRowBytes, slot * logitRowBytes];
          encoder.copyBufferToBuffer(buffers.logits, from, buffers.retained, to, logitRowBytes);
        }
      });
      device.queue.submit([encoder.finish()]);
      if (readbackBytes === 0) return new ArrayBuffer(0);
      await buffers.staging.mapAsync(GPUMapMode.READ, 0, readbackBytes);
      const bytes = buffers.staging.getMappedRange(0, readbackBytes).slice(0);
      buffers.staging.unmap();
      return bytes;
    });

  return {
    async run(slots, tokens, output) {
      const bytes = await execute(slots, tokens, planStep(spec, graph, slots.length, tokens.length, output));
      return output === 'none' ? undefined : new Float32Array(bytes);
    },
    async select(slots, tokens, candidates) {
      const plan = planStep(spec, graph, slots.length, tokens.length, 'last', candidates);
      const bytes = await execute(slots, tokens, plan);
      let at = 0;
      return plan.readback.map((copy) => {
        const start = at;
        at += copy.bytes;
        if (copy.from === 'logits') return new Float32Array(bytes, start, copy.bytes / 4);
        return readCandidateRecords(new Uint32Array(bytes, start, copy.bytes / 4), 1, plan.select!.count)[0];
      });
    },
    readRetained(slot) {
      return checkGpuErrors(device, 'reading retained logits', async () => {
        const encoder = device.createCommandEncoder({ label: 'retained logits' });
        encoder.copyBufferToBuffer(buffers.retained, slot.slot * logitRowBytes, buffers.staging, 0, logitRowBytes);
        device.queue.submit([encoder.finish()]);
        await buffers.staging.mapAsync(GPUMapMode.READ, 0, logitRowBytes);
        const row = new Float32Array(buffers.staging.getMappedRange(0, logitRowBytes).slice(0));
        buffers.staging.unmap();
        return row;
      });
    },
  };
}
