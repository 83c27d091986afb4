/**
 * The two checks of what a forward pass is fed, written once for every backend and the engine core: token ids
 * inside the vocabulary, and a state of the layout and size of the model's.
 */
import { STATE_LAYOUT_VERSION, type State } from './state.js';

/** The ids as a Uint32Array; a RangeError names the first one that is not an integer in [0, nVocab). */
export function checkTokenIds(ids: ArrayLike<number>, nVocab: number): Uint32Array {
  const out = new Uint32Array(ids.length);
  for (let t = 0; t < ids.length; t++) {
    const token = ids[t];
    if (!Number.isInteger(token) || token < 0 || token >= nVocab) {
      throw new RangeError(`Token ${token} at position ${t} is outside the vocabulary [0, ${nVocab}).`);
    }
    out[t] = token;
  }
  return out;
}

/** A RangeError unless `state` has the current layout version and `floats` floats (those of the model's state). */
export function checkStateFits(state: State, floats: number): void {
  if (state.layoutVersion !== STATE_LAYOUT_VERSION || state.data.length !== floats) {
    throw new RangeError(
      `State (layout ${state.layoutVersion}, ${state.data.length} floats) does not fit this model ` +
        `(layout ${STATE_LAYOUT_VERSION}, ${floats} floats).`,
    );
  }
}
