/**
 * What a generation's GPU layer (src/generations/vN/gpu-layer.ts) builds its ops from, and the ops every generation
 * shares: norms, token shift and token-shift mixes. A generation provides the time mix and the channel mix of a layer; each takes the
 * normalised residual stream ([N, C]) and adds its output into the residual stream `context.x`.
 */
import type { KernelDispatch } from '../kernel-runner.js';
import { layerNormKernel } from '../kernels/layer-norm.js';
import { tokenMixKernel } from '../kernels/token-mix.js';
import { tokenShiftKernel } from '../kernels/token-shift.js';
import type { ModelSpec } from '../../model/spec.js';
import type { Scratch } from './scratch.js';
import type { StateSlots } from './state-slots.js';
import type { StatePart, StepParams } from './step-params.js';
import type { StepBuilder, StepOp, StepShape } from './step-builder.js';
import type { GpuWeights } from './gpu-weights.js';

export interface LayerContext {
  spec: ModelSpec;
  weights: GpuWeights;
  builder: StepBuilder;
  scratch: Scratch;
  params: StepParams;
  /** The state slots the WKV and token-shift kernels read and write. */
  slots: StateSlots;
  /** The residual stream [N, C]. */
  x: GPUBuffer;
}

export interface GpuLayer {
  /** Ops adding the time mix of `input` (ln1's output) into the residual stream. */
  timeMix(input: GPUBuffer): StepOp[];
  /** Ops adding the channel mix of `input` (ln2's output) into the residual stream. */
  channelMix(input: GPUBuffer): StepOp[];
}

export type GpuLayerFactory = (context: LayerContext, layer: number) => GpuLayer;

/** An op over the step's rows whose dispatch depends only on the row count. */
export function rowsOp(
  context: LayerContext,
  dispatch: (rows: number) => KernelDispatch,
  bindings: Parameters<StepBuilder['kernel']>[1],
): StepOp {
  return context.builder.kernel((shape: StepShape) => dispatch(shape.rows), bindings);
}

/** y = GroupNorm over `groups` groups of x with the tensors `<name>.weight` / `<name>.bias` (LayerNorm: groups 1). */
export function normOp(
  context: LayerContext,
  name: string,
  x: GPUBuffer,
  y: GPUBuffer,
  groups = 1,
  eps = 1e-5,
): StepOp {
  const c = context.spec.nEmbed;
  const weight = context.weights.vector(`${name}.weight`, c);
  const bias = context.weights.vector(`${name}.bias`, c);
  return rowsOp(context, (rows) => layerNormKernel({ channels: c, rows, groups, eps }), [x, weight, bias, y]);
}

/**
 * The previous-token rows of `input` (the state's saved row for each session's first token), then the save of
 * each session's last row into the state. Returns the ops and the [N, C] buffer of shifted rows.
 */
export function tokenShiftOps(
  context: LayerContext,
  layer: number,
  part: StatePart,
  input: GPUBuffer,
): { ops: StepOp[]; shifted: GPUBuffer } {
  const channels = context.spec.nEmbed;
  const shifted = context.scratch.get(`${part} shifted`, channels);
  const params = context.params.binding(layer, part);
  const state = context.slots.buffer;
  const dispatch = (entry: 'shift' | 'save') => (shape: StepShape) =>
    tokenShiftKernel({ channels, tokens: shape.tokens, batch: shape.sessions }, entry);
  return {
    ops: [
      context.builder.kernel(dispatch('shift'), [params, input, state, shifted]),
      context.builder.kernel(dispatch('save'), [params, input, state]),
    ],
    shifted,
  };
}

/**
 * Into the [N, C] scratch buffer `role`, with mix a [C] weight: out = x + (shifted − x) ⊙ mix ('shift', v6 / v7), or
 * out = x ⊙ mix + shifted ⊙ (1 − mix) ('lerp', v4 / v5's time_mix_*).
 */
export function tokenMixOp(
  context: LayerContext,
  x: GPUBuffer,
  shifted: GPUBuffer,
  mix: GPUBuffer,
  role: string,
  form: 'shift' | 'lerp' = 'shift',
): { op: StepOp; out: GPUBuffer } {
  const channels = context.spec.nEmbed;
  const out = context.scratch.get(role, channels);
  const op = rowsOp(context, (rows) => tokenMixKernel({ channels, rows, form }), [x, shifted, mix, out]);
  return { op, out };
}
