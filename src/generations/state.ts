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

/**
 * The largest magnitude a session's state value may have: 2^40 (about 1.1e12). A trained model's states stay many
 * orders of magnitude below it (token shifts are normalised activations; a WKV state is a decayed sum of k·v
 * products); from around 1e19 the f32 arithmetic of the next token overflows (the squares of the norms) into NaN
 * logits, so a bigger value is damage. v4's pp starts at −1e30, so a value equal to the fresh state's is allowed.
 */
export const STATE_VALUE_LIMIT = 2 ** 40;

/** The index of the first value of `data` that no state of this model holds (see STATE_VALUE_LIMIT), or −1. */
export function implausibleStateValue(spec: StateShape, data: Float32Array): number {
  let fresh: Float32Array | undefined;
  for (let i = 0; i < data.length; i++) {
    if (Math.abs(data[i]) <= STATE_VALUE_LIMIT) continue;
    fresh ??= createState(spec).data;
    if (data[i] !== fresh[i]) return i;
  }
  return -1;
}
