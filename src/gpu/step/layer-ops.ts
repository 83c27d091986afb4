/**
 * What a generation's GPU layer (src/generations/vN/gpu-layer.ts) builds its ops from, and the ops every generation
 * shares: norms, the block input's LayerNorm + token shift (+ mixes) in one dispatch, token-shift mixes. A generation
 * provides the time mix and the channel mix of a layer; each normalises the residual stream `context.x` ([N, C]) with
 * the norm it is given and adds its output back into it.
 */
import type { Binding, KernelDispatch } from '../kernel-runner.js';
import { layerNormKernel } from '../kernels/layer-norm.js';
import { tokenMixKernel } from '../kernels/token-mix.js';
import { MAX_SEPARATE, normShiftMixKernel } from '../kernels/norm-shift-mix.js';
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
  /** The state slots the WKV and norm-shift-mix kernels read and write. */
  slots: StateSlots;
  /** The residual stream [N, C]. */
  x: GPUBuffer;
}

export interface GpuLayer {
  /** Ops adding the time mix of LayerNorm(x; `norm`) (ln1) into the residual stream x. */
  timeMix(norm: string): StepOp[];
  /** Ops adding the channel mix of LayerNorm(x; `norm`) (ln2) into the residual stream x. */
  channelMix(norm: string): StepOp[];
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

/** The device has the `subgroups` feature: reductions use subgroupAdd (shaders/lib/workgroup-sum-subgroups.wgsl). */
export function hasSubgroups(context: LayerContext): boolean {
  return context.builder.runner.device.features.has('subgroups');
}

/** A WKV op of `layer`: bindings [the layer's WKV Params, the state slots, ...inputs]. */
export function wkvOp(
  context: LayerContext,
  layer: number,
  dispatch: (shape: StepShape) => KernelDispatch,
  inputs: readonly Binding[],
): StepOp {
  return context.builder.kernel(dispatch, [context.params.binding(layer, 'wkv'), context.slots.buffer, ...inputs]);
}

/** The shape of a matrix-state WKV dispatch of a step: H heads of S channels, B sessions of T tokens. */
export function wkvHeads(
  spec: ModelSpec,
  shape: StepShape,
): { heads: number; headSize: number; batch: number; tokens: number } {
  return { heads: spec.nHead, headSize: spec.headSize, batch: shape.sessions, tokens: shape.tokens };
}

/** y = LayerNorm(x) with the tensors `<name>.weight` / `<name>.bias` (eps 1e-5). */
export function normOp(context: LayerContext, name: string, x: GPUBuffer, y: GPUBuffer): StepOp {
  const c = context.spec.nEmbed;
  const weight = context.weights.vector(`${name}.weight`, c);
  const bias = context.weights.vector(`${name}.bias`, c);
  const subgroups = hasSubgroups(context);
  return rowsOp(context, (rows) => layerNormKernel({ channels: c, rows, subgroups }), [x, weight, bias, y]);
}

/** One dispatch of shaders/norm-shift-mix.wgsl over the step's tokens, writing `planes` planes for `role`. */
function normShiftMixOp(
  context: LayerContext,
  layer: number,
  part: StatePart,
  norm: string,
  role: string,
  mixes?: MixWeights,
): { op: StepOp; planes: GPUBufferBinding[] } {
  const channels = context.spec.nEmbed;
  const { stride, planes, buffer } = context.scratch.planes(role, channels, mixes?.count ?? 2);
  const weight = context.weights.vector(`${norm}.weight`, channels);
  const bias = context.weights.vector(`${norm}.bias`, channels);
  const bindings = [context.params.binding(layer, part), context.x, weight, bias, context.slots.buffer, buffer];
  const op = context.builder.kernel(
    (shape) =>
      normShiftMixKernel({
        channels,
        tokens: shape.tokens,
        batch: shape.sessions,
        planeStride: stride,
        mixes: mixes?.count,
        separate: Array.isArray(mixes?.weights),
        lerp: mixes?.form === 'lerp',
        subgroups: hasSubgroups(context),
      }),
    mixes ? [...bindings, ...mixBindings(mixes)] : bindings,
  );
  return { op, planes };
}

/**
 * LayerNorm(x; `norm`) of the residual stream and the previous-token rows of the result (the state's row for each
 * session's first token), saving each session's last normed row into the state — one dispatch.
 */
export function normShiftOp(
  context: LayerContext,
  layer: number,
  part: StatePart,
  norm: string,
): { op: StepOp; normed: GPUBufferBinding; shifted: GPUBufferBinding } {
  const { op, planes } = normShiftMixOp(context, layer, part, norm, `${part} normed and shifted`);
  return { op, normed: planes[0], shifted: planes[1] };
}

/**
 * The weights of a block input's token-shift mixes: one stacked [count, C] buffer (v7's att.x_rwkvag, a channel mix's
 * x_k) or up to MAX_SEPARATE [C] buffers (v4–v6's time_mix_* / time_maa_*), in the 'shift' form u + (prev − u) ⊙ m or
 * the 'lerp' form u ⊙ m + prev ⊙ (1 − m).
 */
export interface MixWeights {
  /** One stacked [count, C] buffer, or `count` separate [C] buffers (at most MAX_SEPARATE). */
  weights: GPUBuffer | readonly GPUBuffer[];
  count: number;
  /** Default 'shift'. */
  form?: 'shift' | 'lerp';
}

/** Bindings 6–8 of norm-shift-mix: the mixes' buffers (a stacked one bound thrice, the last repeated for fewer). */
function mixBindings({ weights, count }: MixWeights): GPUBuffer[] {
  if (!Array.isArray(weights)) return [weights, weights, weights] as GPUBuffer[];
  if (weights.length !== count || count > MAX_SEPARATE) {
    throw new RangeError(`norm-shift-mix takes 1 to ${MAX_SEPARATE} separate mixes, not ${weights.length}`);
  }
  return [0, 1, 2].map((p) => weights[Math.min(p, count - 1)]);
}

/**
 * As normShiftOp, writing instead the token-shift mixes of the normed rows u with `mixes` — one dispatch. Returns the
 * mixes' [N, C] planes in order.
 */
export function normMixOp(
  context: LayerContext,
  layer: number,
  part: StatePart,
  norm: string,
  mixes: MixWeights,
): { op: StepOp; planes: GPUBufferBinding[] } {
  return normShiftMixOp(context, layer, part, norm, `${part} mixes`, mixes);
}

/**
 * Into the [N, C] scratch buffer `role`, with mix a [C] weight: out = x + (shifted − x) ⊙ mix ('shift', v6 / v7), or
 * out = x ⊙ mix + shifted ⊙ (1 − mix) ('lerp', v4 / v5's time_mix_*).
 */
export function tokenMixOp(
  context: LayerContext,
  x: Binding,
  shifted: Binding,
  mix: GPUBuffer,
  role: string,
  form: 'shift' | 'lerp' = 'shift',
): { op: StepOp; out: GPUBuffer } {
  const channels = context.spec.nEmbed;
  const out = context.scratch.get(role, channels);
  const op = rowsOp(context, (rows) => tokenMixKernel({ channels, rows, form }), [x, shifted, mix, out]);
  return { op, out };
}
