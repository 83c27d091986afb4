/**
 * Host side of shaders/token-shift.wgsl: the previous-token rows of B sequences of T tokens, and the save of each
 * sequence's last row into its state. Bindings: `shift` [params, x, state, shifted]; `save` [params, x, state].
 */
import source from '../../../shaders/token-shift.wgsl?raw';
import type { KernelDispatch } from '../kernel-runner.js';
import { resolveWgsl } from '../wgsl.js';
import { ceilDiv, checkCount, MAX_WORKGROUPS_PER_DIMENSION } from './grid.js';

const CODE = resolveWgsl(source);

/** Most sequences one Params uniform describes. */
export const MAX_SEQUENCES = 256;

export interface TokenShiftShape {
  channels: number;
  /** Tokens per sequence (T). */
  tokens: number;
  /** Sequences (B). */
  batch: number;
}

/**
 * The Params uniform shared with the WKV kernels: { tokens: u32, state_offsets: array<vec4<u32>, 64> } — T at word
 * 0, the float offset of sequence b's state at word 4 + b.
 */
export function tokenParams(tokens: number, stateOffsets: readonly number[]): Uint32Array {
  checkCount('sequences', stateOffsets.length, MAX_SEQUENCES);
  const words = new Uint32Array(4 + 4 * (MAX_SEQUENCES / 4));
  words[0] = tokens;
  words.set(stateOffsets, 4);
  return words;
}

export function tokenShiftKernel(shape: TokenShiftShape, entryPoint: 'shift' | 'save'): KernelDispatch {
  checkCount('token shift channels', shape.channels);
  checkCount('token shift tokens', shape.tokens, MAX_WORKGROUPS_PER_DIMENSION);
  checkCount('token shift batch', shape.batch, MAX_SEQUENCES);
  return {
    kernel: { label: `token-shift ${entryPoint}`, code: CODE, entryPoint, constants: { CHANNELS: shape.channels } },
    workgroups: [ceilDiv(shape.channels, 64), entryPoint === 'shift' ? shape.tokens : 1, shape.batch],
  };
}
