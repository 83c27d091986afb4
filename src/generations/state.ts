/**
 * The state of a model with a given spec (the layout of src/model/state.ts): each layer's two token-shift vectors,
 * then the WKV part its generation's module sizes and initialises.
 */
import {
  layerStateLayoutOf,
  STATE_LAYOUT_VERSION,
  type LayerStateLayout,
  type State,
  type StateShape,
} from '../model/state.js';
import { generationModule } from './registry.js';

export function layerStateLayout(spec: StateShape): LayerStateLayout {
  return layerStateLayoutOf(spec.nEmbed, generationModule(spec.generation).state.wkvFloats(spec));
}

export function stateSize(spec: StateShape): number {
  return layerStateLayout(spec).stride * spec.nLayer;
}

/** A fresh state: zeros, except where the generation starts otherwise (v4's pp at −1e30). */
export function createState(spec: StateShape): State {
  const layout = layerStateLayout(spec);
  const data = new Float32Array(stateSize(spec));
  const initialize = generationModule(spec.generation).state.initialize;
  for (let layer = 0; initialize && layer < spec.nLayer; layer++) {
    const start = layer * layout.stride;
    initialize(data.subarray(start + layout.wkv, start + layout.stride), spec);
  }
  return { layoutVersion: STATE_LAYOUT_VERSION, data };
}
