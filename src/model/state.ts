/**
 * The recurrent state of a model, in one documented, versioned layout shared by the CPU oracle, the GPU runtime,
 * checkpoints and exported state files.
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

/** pp's initial value: "minus infinity" that stays finite so that exp(pp − x) never yields NaN. */
export const V4_PP_INITIAL = -1e30;

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

export function layerStateLayout(spec: StateShape): LayerStateLayout {
  const c = spec.nEmbed;
  const wkvSize = spec.generation === '4' ? 3 * c : spec.nHead * spec.headSize * spec.headSize;
  return { ffnShift: 0, attShift: c, wkv: 2 * c, stride: 2 * c + wkvSize };
}

export function stateSize(spec: StateShape): number {
  return layerStateLayout(spec).stride * spec.nLayer;
}

/** A fresh state: zeros, with v4's pp at −1e30. */
export function createState(spec: ModelSpec): State {
  const layout = layerStateLayout(spec);
  const data = new Float32Array(stateSize(spec));
  if (spec.generation === '4') {
    for (let layer = 0; layer < spec.nLayer; layer++) {
      const pp = layer * layout.stride + layout.wkv + 2 * spec.nEmbed;
      data.fill(V4_PP_INITIAL, pp, pp + spec.nEmbed);
    }
  }
  return { layoutVersion: STATE_LAYOUT_VERSION, data };
}

export function cloneState(state: State): State {
  return { layoutVersion: state.layoutVersion, data: state.data.slice() };
}
