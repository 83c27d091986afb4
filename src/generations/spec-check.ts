/**
 * The one sanity check of a ModelSpec that both forward passes run before building anything: positive dimensions, a
 * registered generation, and heads that split n_embed where the generation has heads.
 */
import { ModelFormatError } from '../errors.js';
import type { ModelSpec } from '../model/spec.js';
import { generationModule } from './registry.js';

export function checkModelSpec(spec: ModelSpec): void {
  const positive = (value: number) => Number.isInteger(value) && value > 0;
  if (!positive(spec.nLayer) || !positive(spec.nEmbed) || !positive(spec.nVocab) || !positive(spec.nFfn)) {
    throw new ModelFormatError(
      `Invalid model spec: nLayer ${spec.nLayer}, nEmbed ${spec.nEmbed}, nVocab ${spec.nVocab}, nFfn ${spec.nFfn}.`,
    );
  }
  const heads = generationModule(spec.generation).tensors.heads;
  if (heads && (!positive(spec.headSize) || spec.nHead * spec.headSize !== spec.nEmbed)) {
    throw new ModelFormatError(
      `Invalid model spec: ${spec.nHead} heads × ${spec.headSize} channels do not make nEmbed ${spec.nEmbed}.`,
    );
  }
}
