/**
 * The Params uniform of the kernels that step session states (shaders/lib/step-params.wgsl: the norm-shift-mix and
 * WKV kernels): T, the tokens per sequence, and each sequence's float offset into the state slots.
 */
import { checkCount } from './grid.js';

/** Most sequences one Params uniform describes. */
export const MAX_SEQUENCES = 256;

/**
 * { tokens: u32, state_offsets: array<vec4<u32>, 64> } — T at word 0, the float offset of sequence b's state at
 * word 4 + b.
 */
export function tokenParams(tokens: number, stateOffsets: readonly number[]): Uint32Array {
  checkCount('sequences', stateOffsets.length, MAX_SEQUENCES);
  const words = new Uint32Array(4 + 4 * (MAX_SEQUENCES / 4));
  words[0] = tokens;
  words.set(stateOffsets, 4);
  return words;
}
