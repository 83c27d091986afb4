/**
 * The recurrent state of a model, in one documented, versioned layout shared by the CPU oracle, the GPU runtime,
 * checkpoints and exported state files. What a layer's WKV part holds is each generation's (its module's `state`,
 * src/generations/); src/generations/state.ts computes a spec's layout and fresh state from it.
 *
 * Layout version 1: one Float32Array, layer after layer (rwkv.cpp's order):
 *   v4:  ffn_x [C] | att_x [C] | aa [C] | bb [C] | pp [C]        (pp starts at −1e30, all else at 0)
 *   v5+: ffn_x [C] | att_x [C] | wkv [H, S, S]                     (element h·S·S + i·S + j; i = value, j = key)
 *
 * The v5+ matrix index order (value-major) is the same for every generation. It is rwkv.cpp's order for v7; rwkv.cpp
 * stores v5 and v6 states key-major, so exchanging a v5/v6 state with rwkv.cpp transposes each head's S × S block.
 */
import type { ModelSpec } from './spec.js';

export const STATE_LAYOUT_VERSION = 1;

export interface State {
  readonly layoutVersion: number;
  readonly data: Float32Array;
}

/** Offsets (in floats) of each part of one layer's state, relative to the layer's start. */
export interface LayerStateLayout {
  ffnShift: number;
  attShift: number;
  /** v4: aa, bb, pp follow at wkv, wkv + C, wkv + 2C. v5+: the H·S·S matrix state. */
  wkv: number;
  /** Floats per layer. */
  stride: number;
}

/** The parts of a spec that fix the state's size (an EngineInfo has them too). */
export type StateShape = Pick<ModelSpec, 'generation' | 'nLayer' | 'nEmbed' | 'nHead' | 'headSize'>;

/** The layout of a layer whose WKV part holds `wkvFloats` floats after the two token-shift vectors of `nEmbed`. */
export function layerStateLayoutOf(nEmbed: number, wkvFloats: number): LayerStateLayout {
  return { ffnShift: 0, attShift: nEmbed, wkv: 2 * nEmbed, stride: 2 * nEmbed + wkvFloats };
}

export function cloneState(state: State): State {
  return { layoutVersion: state.layoutVersion, data: state.data.slice() };
}
