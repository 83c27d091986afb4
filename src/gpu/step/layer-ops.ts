/**
 * What a generation's GPU layer (src/generations/vN/gpu-layer.ts) builds its ops from, and the ops every generation
 * shares: norms, the block input's LayerNorm + token shift + mixes in one dispatch. A generation
 * provides the time mix and the channel mix of a layer; each normalises the residual stream `context.x` ([N, C]) with
 * the norm it is given and adds its output back into it.
 */
import type { Binding, KernelDispatch } from '../kernel-runner.js';
import { layerNormKernel } from '../kernels/layer-norm.js';
import { normShiftMixKernel } from '../kernels/norm-shift-mix.js';
import type { ModelSpec } from '../../model/spec.js';
import type { Scratch } from './scratch.js';
import type { StateSlots } from './state-slots.js';
import type { StatePart, StepParams } from './step-params.js';
import type { StepBuilder, StepOp, StepShape } from './step-builder.js';
import type { Activation } from '../kernels/activation.js';
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

/**
 * The weights of a block input's token-shift mixes, in the 'shift' form u + (prev − u) ⊙ m or the 'lerp' form
 * u ⊙ m + prev ⊙ (1 − m).
 */
export interface MixWeights {
  /**
   * [count, C]: a stacked tensor (v7's att.x_rwkvag), a single vector (count 1) or v4–v6's time_mix_* / time_maa_*
   * stacked by GpuWeights.stack.
   */
  weights: GPUBuffer;
  count: number;
  /** Default 'shift'. */
  form?: 'shift' | 'lerp';
  /** Also keep the normed rows u and their previous rows, for mixes made later from them (v6's data-dependent ones). */
  keepNormed?: boolean;
}

/**
 * LayerNorm(x; `norm`) of the residual stream, its token shift (the state's row for each session's first token) and
 * token-shift mixes, saving each session's last normed row into the state — one dispatch of
 * shaders/norm-shift-mix.wgsl. Returns the [N, C] planes it writes, in order: with `keepNormed`, the normed rows and
 * their previous rows, then the mixes.
 */
export function normMixOp(
  context: LayerContext,
  layer: number,
  part: StatePart,
  norm: string,
  mixes: MixWeights,
): { op: StepOp; planes: GPUBufferBinding[] } {
  const channels = context.spec.nEmbed;
  const normed = mixes.keepNormed ?? false;
  const role = `${part} ${normed ? 'normed, shifted and mixes' : 'mixes'}`;
  const { stride, planes, buffer } = context.scratch.planes(role, channels, mixes.count + (normed ? 2 : 0));
  const weight = context.weights.vector(`${norm}.weight`, channels);
  const bias = context.weights.vector(`${norm}.bias`, channels);
  const op = context.builder.kernel(
    (shape) =>
      normShiftMixKernel({
        channels,
        tokens: shape.tokens,
        batch: shape.sessions,
        planeStride: stride,
        mixes: mixes.count,
        normed,
        lerp: mixes.form === 'lerp',
        subgroups: hasSubgroups(context),
      }),
    [context.params.binding(layer, part), context.x, weight, bias, context.slots.buffer, buffer, mixes.weights],
  );
  return { op, planes };
}

/** The mixes of the [C] weight vectors `names` (v4–v6's time_mix_* / time_maa_*), stacked for one binding. */
export function vectorMixes(context: LayerContext, names: readonly string[], form: MixWeights['form']): MixWeights {
  return { weights: context.weights.stack(names, context.spec.nEmbed), count: names.length, form };
}

/** One linear of a stage: y = act(W·x) with the matrix `name` [rows, columns]. */
export interface StageLinear {
  name: string;
  rows: number;
  columns: number;
  /** x rows [N, columns]: a range of the one buffer every linear of the stage reads. */
  x: GPUBufferBinding;
  /** y rows [N, rows]: a buffer or range of one of at most two buffers the stage writes. */
  y: Binding;
  activation?: Activation;
}

/**
 * Independent linears of one stage as one grouped op (StepBuilder.groupedLinear), their matrices first moved into
 * shared buffers (GpuWeights.shareBuffers): one dispatch per weight format at decode.
 */
export function stageOp(context: LayerContext, linears: readonly StageLinear[]): StepOp {
  const { weights, builder, scratch } = context;
  weights.shareBuffers(linears.map((linear) => linear.name));
  const members = linears.map((linear) => ({
    matrix: weights.matrix(linear.name, linear.rows, linear.columns),
    x: linear.x,
    y: 'buffer' in linear.y ? linear.y : { buffer: linear.y },
    activation: linear.activation,
  }));
  const outputs = [...new Set(members.map((member) => member.y.buffer))];
  if (outputs.length > 2) throw new RangeError(`a stage writes at most two buffers, not ${outputs.length}`);
  return builder.groupedLinear(members, [outputs[0], outputs[1] ?? scratch.get('no second output', 1)]);
}
