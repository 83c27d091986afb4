/**
 * Loads a whole rwkv.cpp `.bin` file into a CanonicalModel: reads every tensor, assembles and validates the
 * canonical set, and checks that the header's n_vocab / n_embed / n_layer agree with the tensors.
 */
import { ModelFormatError } from '../../errors.js';
import type { CanonicalModel, Tensor } from '../../model/spec.js';
import { assembleCanonicalModel } from '../../model/tensor-layout.js';
import type { ByteSource, ByteStreamReader } from '../byte-stream.js';
import { openRwkvCpp } from './reader.js';

export async function loadRwkvCppModel(source: ByteSource | ByteStreamReader): Promise<CanonicalModel> {
  const file = await openRwkvCpp(source);
  const tensors: Tensor[] = [];
  for await (const tensor of file.tensors()) tensors.push(tensor);
  const model = assembleCanonicalModel(tensors);
  const { header } = file;
  const mismatches = (
    [
      ['n_vocab', header.nVocab, model.spec.nVocab],
      ['n_embed', header.nEmbed, model.spec.nEmbed],
      ['n_layer', header.nLayer, model.spec.nLayer],
    ] as const
  ).filter(([, declared, actual]) => declared !== actual);
  if (mismatches.length > 0) {
    const details = mismatches.map(([field, declared, actual]) => `${field} ${declared} but the tensors say ${actual}`);
    throw new ModelFormatError(`rwkv.cpp file header disagrees with its tensors: ${details.join('; ')}`);
  }
  return model;
}
