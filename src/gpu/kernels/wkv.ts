/**
 * Host side of the WKV kernels (shaders/wkv4.wgsl, wkv5.wgsl for v5.1 / v5.2 / v6, wkv7.wgsl) over a batch of B
 * sessions of T tokens ([B, T, C] rows). They read T and each session's state offset from the Params uniform of
 * step-params-uniform.ts (`tokenParams`). The matrix-state WKVs (v5 family, v7) come in two forms with the same
 * bindings and results: the serial scan (one dependent step per token; decode and short chunks) and the
 * chunk-parallel form (wkv5-chunked.wgsl, wkv7-chunked.wgsl: matrix products within sub-chunks, one dependent step
 * per sub-chunk), picked by the chunk length T.
 */
import wkv4Source from '../../../shaders/wkv4.wgsl?raw';
import wkv5Source from '../../../shaders/wkv5.wgsl?raw';
import wkv7Source from '../../../shaders/wkv7.wgsl?raw';
import wkv5ChunkedSource from '../../../shaders/wkv5-chunked.wgsl?raw';
import wkv7ChunkedSource from '../../../shaders/wkv7-chunked.wgsl?raw';
import type { KernelDispatch } from '../kernel-runner.js';
import { ACTIVATIONS } from './activation.js';
import { resolveWgsl } from '../wgsl.js';
import { weightConstants, type WeightFormat } from '../matrix-layout.js';
import { ceilDiv, checkCount, MAX_WORKGROUPS_PER_DIMENSION } from './grid.js';
import { MAX_SEQUENCES } from './step-params-uniform.js';

const WKV4_CODE = resolveWgsl(wkv4Source);
/** v6's WKV kernels: the decay with its LoRA's second half (shaders/lib/wkv5-decay-lora.wgsl). */
const DECAY_LORA = { variants: { 'wkv5-decay': 'wkv5-decay-lora' } };
const WKV5_CODE = { static: resolveWgsl(wkv5Source), lora: resolveWgsl(wkv5Source, DECAY_LORA) };
const WKV7_CODE = resolveWgsl(wkv7Source);
const WKV5_CHUNKED_CODE = { static: resolveWgsl(wkv5ChunkedSource), lora: resolveWgsl(wkv5ChunkedSource, DECAY_LORA) };
const WKV7_CHUNKED_CODE = resolveWgsl(wkv7ChunkedSource);

/** Largest head size the matrix-state WKV kernels take (one invocation per row of the S × S state). */
export const MAX_WKV_HEAD_SIZE = 64;

/**
 * Chunks of at least this many tokens per session run the chunk-parallel WKV; shorter ones (decode: 1) the serial
 * scan. Measured on SwiftShader (docs/gpu.md, "Chunk-parallel WKV").
 */
export const CHUNKED_WKV_MIN_TOKENS = 16;

/** 'serial': one dependent step per token; 'chunked': one per sub-chunk. */
export type WkvForm = 'serial' | 'chunked';

/** The form a chunk of `tokens` tokens per session runs in. */
export function wkvForm(tokens: number): WkvForm {
  return tokens >= CHUNKED_WKV_MIN_TOKENS ? 'chunked' : 'serial';
}

/** WebGPU's default (and minimum) maxComputeWorkgroupStorageSize, in floats: what the chunked kernels stay within. */
const WORKGROUP_FLOATS = 16384 / 4;
const MAX_SUB_CHUNK = 16;

/** Workgroup floats of a chunked kernel with sub-chunk L and head size S (the sums in the shaders' headers). */
const CHUNKED_WORKGROUP_FLOATS = {
  wkv5: (l: number, s: number) => 3 * l * s + l * l + 2 * s,
  wkv7: (l: number, s: number) => 5 * l * s + 5 * l * l + s,
} as const;

/** The largest power-of-two sub-chunk ≤ 16 whose workgroup tiles fit in 16 KiB. */
function subChunkSize(kernel: keyof typeof CHUNKED_WORKGROUP_FLOATS, headSize: number): number {
  let size = MAX_SUB_CHUNK;
  while (size > 1 && CHUNKED_WORKGROUP_FLOATS[kernel](size, headSize) > WORKGROUP_FLOATS) size /= 2;
  return size;
}

/**
 * What a WKV dispatch reads of the state slots (binding 1): each session's `floats`; and its serial chain, the longest
 * chain of dependent state updates over a session's T tokens — T for the serial scan (and v4), ⌈T / sub-chunk⌉ for
 * the chunk-parallel form.
 */
function stateScan(
  batch: number,
  floats: number,
  serialSteps: number,
): Pick<KernelDispatch, 'partialReads' | 'serialSteps'> {
  return { partialReads: { 1: batch * floats * 4 }, serialSteps };
}

/** Bindings [params, state, time_first, time_decay, k, v, r, out] (out = σ(r) · wkv); T tokens per session. */
export function wkv4Kernel(channels: number, batch: number, tokens: number): KernelDispatch {
  checkCount('wkv4 channels', channels);
  checkCount('wkv4 batch', batch, MAX_SEQUENCES);
  return {
    kernel: { label: 'wkv4', code: WKV4_CODE, constants: { CHANNELS: channels } },
    workgroups: [ceilDiv(channels, 64), batch, 1],
    ...stateScan(batch, 3 * channels, tokens),
  };
}

/** H heads of S channels (the state H × S × S per session), B sessions. */
export interface MatrixStateShape {
  heads: number;
  headSize: number;
  batch: number;
}

/** The inputs as planes of one buffer and the GroupNorm folded in after the recurrence (v5+ ln_x). */
export interface FoldedNormShape {
  /** Floats between the input planes of the planes binding. */
  planeStride: number;
  /** The GroupNorm's ε (ln_x). */
  eps: number;
}

export interface Wkv5Shape extends MatrixStateShape, FoldedNormShape {
  /** v5.2 / v6: the output gated by SiLU(g), g a fourth plane. */
  gated?: boolean;
  /** v5.1: time_first and time_decay hold one value per head. */
  paramsPerHead?: boolean;
  /**
   * v6: the decay per token, exp(−exp(time_decay + Wd2 · hidden)), from its decay LoRA's second half Wd2 [C, width]
   * (binding 8, in `format`) and hidden [N, width], a fifth plane (after g).
   */
  decayLora?: { width: number; format: WeightFormat };
}

/** v7: the planes are r, z, k, v, a, g, the output and the value LoRA's output. */
export interface Wkv7Shape extends MatrixStateShape, FoldedNormShape {
  /** Layers after the first: v mixed with v_first (binding 4) through the value LoRA's output. */
  valueResidual?: boolean;
}

/** How many tokens per session the dispatch steps, and the form to run them in (default: `wkvForm(tokens)`). */
export interface WkvChunk {
  tokens: number;
  form?: WkvForm;
}

function checkMatrixStateShape(label: string, shape: MatrixStateShape & FoldedNormShape & WkvChunk): void {
  checkCount(`${label} heads`, shape.heads, MAX_WORKGROUPS_PER_DIMENSION);
  checkCount(`${label} head size`, shape.headSize, MAX_WKV_HEAD_SIZE);
  checkCount(`${label} batch`, shape.batch, MAX_SEQUENCES);
  checkCount(`${label} tokens`, shape.tokens);
  if (shape.planeStride < shape.batch * shape.tokens * shape.heads * shape.headSize) {
    throw new RangeError(`${label} plane stride ${shape.planeStride} is shorter than the step's rows`);
  }
}

/** The override constants of the folded GroupNorm and the planes. */
function foldedNormConstants(shape: MatrixStateShape & FoldedNormShape): Record<string, number> {
  return { HEAD_SIZE: shape.headSize, PLANE_STRIDE: shape.planeStride, EPS: shape.eps };
}

/**
 * The v5-family WKV with the GroupNorm ln_x (and the SiLU gate when `gated`, v6's decay LoRA's second half when
 * `decayLora`) folded in. Bindings [params, state, time_first, time_decay, planes (r, k, v, and g when gated, the
 * decay LoRA's hidden with decayLora), ln_x.weight, ln_x.bias, out (, Wd2 with decayLora)].
 */
export function wkv5Kernel(shape: Wkv5Shape & WkvChunk): KernelDispatch {
  checkMatrixStateShape('wkv5', shape);
  const channels = shape.heads * shape.headSize;
  const lora = shape.decayLora;
  if (lora) {
    checkCount('wkv5 decay LoRA width', lora.width);
    if (shape.planeStride < shape.batch * shape.tokens * lora.width) {
      throw new RangeError(`wkv5 plane stride ${shape.planeStride} is shorter than the decay LoRA's rows`);
    }
  }
  const constants = {
    ...foldedNormConstants(shape),
    PARAMS_PER_HEAD: Number(shape.paramsPerHead ?? false),
    GATED: Number(shape.gated ?? false),
    ACTIVATION: ACTIVATIONS.silu,
    ...(lora ? { DECAY_LORA_WIDTH: lora.width, ...weightConstants(lora.format, channels, lora.width) } : {}),
  };
  const decay = lora ? 'lora' : 'static';
  const workgroups = [shape.heads, shape.batch, 1] as const;
  const stateFloats = shape.heads * shape.headSize * shape.headSize;
  if ((shape.form ?? wkvForm(shape.tokens)) === 'serial') {
    return {
      kernel: { label: 'wkv5', code: WKV5_CODE[decay], constants },
      workgroups,
      ...stateScan(shape.batch, stateFloats, shape.tokens),
    };
  }
  const subChunk = subChunkSize('wkv5', shape.headSize);
  return {
    kernel: {
      label: 'wkv5-chunked',
      code: WKV5_CHUNKED_CODE[decay],
      constants: { ...constants, SUB_CHUNK: subChunk },
    },
    workgroups,
    ...stateScan(shape.batch, stateFloats, Math.ceil(shape.tokens / subChunk)),
  };
}

/**
 * v7's WKV with its per-head glue (the decay from w0 + z, the learning rate σ(a0 + ·), the value residual, L2 norm of
 * k·k_k, key adjust, GroupNorm ln_x, bonus and gate). Bindings [params, state, planes (r, z, k, v, a, g, and the
 * value LoRA's output when valueResidual, read; out written), vectors [8, C] (k_k, k_a, r_k, ln_x.weight, ln_x.bias,
 * w0, a0, v0), layer 0's planes (any other buffer, unread, without valueResidual)].
 */
export function wkv7Kernel(shape: Wkv7Shape & WkvChunk): KernelDispatch {
  checkMatrixStateShape('wkv7', shape);
  const workgroups = [shape.heads, shape.batch, 1] as const;
  const stateFloats = shape.heads * shape.headSize * shape.headSize;
  const valueResidual = shape.valueResidual ?? false;
  const constants = {
    ...foldedNormConstants(shape),
    CHANNELS: shape.heads * shape.headSize,
    VALUE_RESIDUAL: Number(valueResidual),
  };
  const scan = (serialSteps: number) => {
    const { partialReads, ...rest } = stateScan(shape.batch, stateFloats, serialSteps);
    return { ...rest, partialReads: valueResidual ? partialReads : { ...partialReads, 4: 0 } };
  };
  if ((shape.form ?? wkvForm(shape.tokens)) === 'serial') {
    return { kernel: { label: 'wkv7', code: WKV7_CODE, constants }, workgroups, ...scan(shape.tokens) };
  }
  const subChunk = subChunkSize('wkv7', shape.headSize);
  return {
    kernel: {
      label: 'wkv7-chunked',
      code: WKV7_CHUNKED_CODE,
      constants: { ...constants, SUB_CHUNK: subChunk },
    },
    workgroups,
    ...scan(Math.ceil(shape.tokens / subChunk)),
  };
}
