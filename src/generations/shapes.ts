/**
 * The shape-reading helpers the generation modules share for inferring head counts and LoRA widths, listing their
 * tensors, and the one comparison of shapes up to size-1 dims. Inference reads shapes with size-1 dims ignored wherever a
 * format may or may not keep them (e.g. rwkv.cpp stores v5.1's time_decay as [H, 1, 1]).
 */
import { ModelFormatError } from '../errors.js';

/** Tensor shapes by canonical name. */
export type TensorShapes = ReadonlyMap<string, readonly number[]>;

/** A tensor of one block: its name after `blocks.N.` and its canonical shape. */
export type BlockTensor = readonly [suffix: string, shape: readonly number[]];

export interface HeadLayout {
  nHead: number;
  headSize: number;
}

export function requireShape(shapes: TensorShapes, name: string): readonly number[] {
  const shape = shapes.get(name);
  if (shape === undefined) throw new ModelFormatError(`missing tensor '${name}'`);
  return shape;
}

/** The row count (output width) of a matrix tensor. */
export function matrixRows(shapes: TensorShapes, name: string): number {
  const shape = requireShape(shapes, name);
  if (shape.length !== 2) throw new ModelFormatError(`tensor '${name}' should be a matrix but has shape [${shape}]`);
  return shape[0];
}

function checkHeads(name: string, layout: HeadLayout, nEmbed: number): HeadLayout {
  if (!Number.isInteger(layout.headSize) || layout.nHead * layout.headSize !== nEmbed) {
    throw new ModelFormatError(
      `tensor '${name}' implies ${layout.nHead} heads, which do not divide n_embed ${nEmbed} into equal heads`,
    );
  }
  return layout;
}

/** Heads from a per-head vector [H] (size-1 dims ignored). */
export function headsFromVector(shapes: TensorShapes, name: string, nEmbed: number): HeadLayout {
  const dims = requireShape(shapes, name).filter((dim) => dim !== 1);
  if (dims.length > 1) throw new ModelFormatError(`tensor '${name}' should hold one value per head, has [${dims}]`);
  const nHead = dims.length === 0 ? 1 : dims[0];
  return checkHeads(name, { nHead, headSize: nEmbed / nHead }, nEmbed);
}

/** Heads from a per-head-channel tensor [H, S] (size-1 dims ignored; a lone [C] means one head). */
export function headsFromMatrix(shapes: TensorShapes, name: string, nEmbed: number): HeadLayout {
  const dims = requireShape(shapes, name).filter((dim) => dim !== 1);
  if (dims.length === 2) return checkHeads(name, { nHead: dims[0], headSize: dims[1] }, nEmbed);
  if (dims.length === 1 && dims[0] === nEmbed) return { nHead: 1, headSize: nEmbed };
  throw new ModelFormatError(`tensor '${name}' should have shape [heads, head size], has [${dims}]`);
}

/** Entries of the same shape for several names. */
export function sameShape(suffixes: readonly string[], shape: readonly number[]): BlockTensor[] {
  return suffixes.map((suffix) => [suffix, shape] as const);
}

/** The dims of a shape without its size-1 dims. */
export function squeeze(shape: readonly number[]): number[] {
  return shape.filter((dim) => dim !== 1);
}

/** Whether two shapes are equal once their size-1 dims are dropped. */
export function sameIgnoringOnes(a: readonly number[], b: readonly number[]): boolean {
  const left = squeeze(a);
  const right = squeeze(b);
  return left.length === right.length && left.every((dim, i) => dim === right[i]);
}
