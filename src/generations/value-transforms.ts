/**
 * The value transforms official checkpoints need on the way to canonical tensors (rwkv.cpp's converter applies the
 * same): decays and bonuses stored raw, LoRA matrices stored transposed, per-head values stored once per head.
 */
import { elementCount } from '../model/spec.js';
import type { ValueTransform } from './generation-module.js';

/** v4's decay: −exp(w). */
export const negExp: ValueTransform = (data) => data.map((w) => -Math.exp(w));
/** v5's decay: exp(−exp(w)). */
export const expNegExp: ValueTransform = (data) => data.map((w) => Math.exp(-Math.exp(w)));
/** v5.1's bonus: exp(u). */
export const exp: ValueTransform = (data) => data.map((u) => Math.exp(u));

/** Swaps the last two dims of the stored shape (a matrix, or a batch of matrices). */
export const transposeLastTwo: ValueTransform = (data, storedShape) => {
  const cols = storedShape[storedShape.length - 1];
  const rows = storedShape[storedShape.length - 2];
  const out = new Float32Array(data.length);
  for (let base = 0; base < data.length; base += rows * cols) {
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) out[base + c * rows + r] = data[base + r * cols + c];
    }
  }
  return out;
};

/** A per-head value [H] repeated over each head's channels to [H, S] (ChatRWKV's 5.1 files). */
export const repeatPerHead: ValueTransform = (data, _storedShape, shape) => {
  if (data.length === elementCount(shape)) return data;
  const headSize = shape[1];
  const out = new Float32Array(data.length * headSize);
  data.forEach((value, head) => out.fill(value, head * headSize, (head + 1) * headSize));
  return out;
};

export function compose(...transforms: ValueTransform[]): ValueTransform {
  return (data, storedShape, shape) => transforms.reduce((value, step) => step(value, storedShape, shape), data);
}

/** The same transform for every suffix in `suffixes`. */
export function each(suffixes: readonly string[], transform: ValueTransform): Record<string, ValueTransform> {
  return Object.fromEntries(suffixes.map((suffix) => [suffix, transform]));
}
