/**
 * The time-mix tensors every v5+ layer reads by the same names: the receptance, key, value and output projections
 * ([C, C]) and the output GroupNorm's ln_x. Fetched by name and checked by size from either CPU weight set: the
 * oracle's (matrices as f32 arrays, src/cpu/weights.ts) and the fast one's (compact matrices in the WebAssembly
 * heap, src/wasm/weights.ts).
 */
import type { LoraDims } from '../model/spec.js';

/** What both CPU weight sets offer; `M` is how a matrix is held. */
export interface LayerWeightSource<M> {
  values(name: string, count: number): Float32Array;
  matrix(name: string, rows: number, cols: number): M;
  loraWidth(key: keyof LoraDims): number;
}

/** The projections and ln_x of the time-mix whose tensors start with `prefix` (`blocks.<layer>.att.`), width `c`. */
export function attentionProjections<M>(weights: LayerWeightSource<M>, prefix: string, c: number) {
  return {
    key: weights.matrix(`${prefix}key.weight`, c, c),
    value: weights.matrix(`${prefix}value.weight`, c, c),
    receptance: weights.matrix(`${prefix}receptance.weight`, c, c),
    output: weights.matrix(`${prefix}output.weight`, c, c),
    lnXWeight: weights.values(`${prefix}ln_x.weight`, c),
    lnXBias: weights.values(`${prefix}ln_x.bias`, c),
  };
}
