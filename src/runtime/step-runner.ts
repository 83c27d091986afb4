/**
 * Step execution of the GPU forward pass: one command buffer per step — the uniforms and token ids written, the
 * graph's ops encoded for the step's shape (B sessions × T tokens), the head over the rows whose logits are wanted,
 * and a copy of those logits to the staging buffer, the only readback. `describeStep` lists the dispatches of the
 * same plan, for the bench's counts.
 */
import { checkGpuErrors } from '../gpu/device.js';
import type { StateSlot } from '../gpu/step/state-slots.js';
import type { Launch, StepOp, StepShape } from '../gpu/step/step-builder.js';
import type { ModelSpec } from '../model/spec.js';
import type { ForwardGraph } from './forward-graph.js';
import type { StepBuffers } from './step-buffers.js';

/** Which logits a step returns: none, each session's last position, or every position. */
export type LogitRows = 'none' | 'last' | 'all';

/** Feeds tokens [B × T] to B state slots; resolves to the logits asked for (undefined for 'none'). */
export type Step = (
  slots: readonly StateSlot[],
  tokens: Uint32Array,
  output: LogitRows,
) => Promise<Float32Array | undefined>;

/** What a step encodes: the body, the head (after a copy of each session's last row when `copyLastRows`), readback. */
interface StepPlan {
  shape: StepShape;
  body: readonly StepOp[];
  copyLastRows: boolean;
  head: readonly StepOp[];
  /** Bytes of logits copied to the staging buffer and read back. */
  readbackBytes: number;
}

function planStep(spec: ModelSpec, graph: ForwardGraph, sessions: number, tokens: number, output: LogitRows): StepPlan {
  const shape: StepShape = {
    sessions,
    tokens: tokens / sessions,
    rows: tokens,
    headRows: output === 'all' ? tokens : sessions,
  };
  const copyLastRows = output === 'last' && shape.tokens > 1;
  const head = output === 'none' ? [] : copyLastRows ? graph.headFromLastRows : graph.headFromResidual;
  const readbackBytes = output === 'none' ? 0 : shape.headRows * spec.nVocab * 4;
  return { shape, body: graph.body, copyLastRows, head, readbackBytes };
}

/** The dispatches of a step, as the bench counts them: every launch in encode order, each layer's, the readback. */
export interface StepDescription {
  launches: Launch[];
  layerLaunches: Launch[][];
  readbackBytes: number;
}

/** Describes the step of B = `sessions` sessions feeding `tokens` tokens in all, from the plan `createStep` encodes. */
export function describeStep(
  spec: ModelSpec,
  graph: ForwardGraph,
  sessions: number,
  tokens: number,
  output: LogitRows,
): StepDescription {
  const plan = planStep(spec, graph, sessions, tokens, output);
  const launchesOf = (ops: readonly StepOp[]) => ops.flatMap((op) => op.launches(plan.shape));
  return {
    launches: launchesOf([...plan.body, ...plan.head]),
    layerLaunches: graph.layers.map(launchesOf),
    readbackBytes: plan.readbackBytes,
  };
}

export function createStep(device: GPUDevice, spec: ModelSpec, graph: ForwardGraph, buffers: StepBuffers): Step {
  const rowBytes = spec.nEmbed * 4;
  return (slots, tokens, output) =>
    checkGpuErrors(device, 'running a forward step', async () => {
      const { shape, body, copyLastRows, head, readbackBytes } = planStep(
        spec,
        graph,
        slots.length,
        tokens.length,
        output,
      );
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
      pass.end();
      if (readbackBytes > 0) encoder.copyBufferToBuffer(buffers.logits, 0, buffers.staging, 0, readbackBytes);
      device.queue.submit([encoder.finish()]);
      if (readbackBytes === 0) return undefined;
      await buffers.staging.mapAsync(GPUMapMode.READ, 0, readbackBytes);
      const result = new Float32Array(buffers.staging.getMappedRange(0, readbackBytes).slice(0));
      buffers.staging.unmap();
      return result;
    });
}
