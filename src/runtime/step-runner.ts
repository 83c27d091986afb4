/**
 * Step execution of the GPU forward pass: one command buffer per step — the uniforms and token ids written, the
 * graph's ops encoded for the step's shape (B sessions × T tokens), the head over the rows whose logits are wanted,
 * and a copy of those logits to the staging buffer, the only readback.
 */
import { checkGpuErrors } from '../gpu/device.js';
import type { StateSlot } from '../gpu/step/state-slots.js';
import type { StepShape } from '../gpu/step/step-builder.js';
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

export function createStep(device: GPUDevice, spec: ModelSpec, graph: ForwardGraph, buffers: StepBuffers): Step {
  const rowBytes = spec.nEmbed * 4;
  return (slots, tokens, output) =>
    checkGpuErrors(device, 'running a forward step', async () => {
      const tokensPerSlot = tokens.length / slots.length;
      const shape: StepShape = {
        sessions: slots.length,
        tokens: tokensPerSlot,
        rows: tokens.length,
        headRows: output === 'all' ? tokens.length : slots.length,
      };
      buffers.params.write(shape, slots);
      device.queue.writeBuffer(buffers.tokens, 0, tokens);
      const encoder = device.createCommandEncoder({ label: 'forward step' });
      let pass = encoder.beginComputePass({ label: 'layers' });
      for (const op of graph.body) op.encode(pass, shape);
      if (output !== 'none') {
        let head = graph.headFromResidual;
        if (output === 'last' && tokensPerSlot > 1) {
          pass.end();
          slots.forEach((_, b) => {
            const row = b * tokensPerSlot + tokensPerSlot - 1;
            encoder.copyBufferToBuffer(graph.x, row * rowBytes, graph.lastRows, b * rowBytes, rowBytes);
          });
          pass = encoder.beginComputePass({ label: 'head' });
          head = graph.headFromLastRows;
        }
        for (const op of head) op.encode(pass, shape);
      }
      pass.end();
      const logitBytes = shape.headRows * spec.nVocab * 4;
      if (output !== 'none') encoder.copyBufferToBuffer(buffers.logits, 0, buffers.staging, 0, logitBytes);
      device.queue.submit([encoder.finish()]);
      if (output === 'none') return undefined;
      await buffers.staging.mapAsync(GPUMapMode.READ, 0, logitBytes);
      const result = new Float32Array(buffers.staging.getMappedRange(0, logitBytes).slice(0));
      buffers.staging.unmap();
      return result;
    });
}
