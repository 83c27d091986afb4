/**
 * GGUF files through the engine's loading path (modelTarget of ./model-files.ts: createEngine on the CPU, whole or
 * as a Blob). Seeds: seeded synthetic RWKV-6 and RWKV-7 models written by the GGUF test writer in F32, F16 and with
 * Q8_0 matrices, one carrying a World vocabulary (the engine's tokenizer then comes from the file). Mutations: the
 * tensor and metadata counts set to extreme values, a tensor's offset, type or dims made impossible, metadata
 * changed (alignment, architecture, rescaling, a token's text), the tensor set mutated, truncations and byte flips.
 */
import type { CanonicalModel } from '../../../src/model/spec.js';
import { tinyModel } from '../../engine/helpers.js';
import { quantizedAs } from '../../helpers/ggml-blocks.js';
import { ggufOf, ggufVocabulary, matricesAs, writeGguf } from '../../helpers/write-gguf.js';
import type { GgufFile, GgufMetadataValue, TensorEncoder } from '../../helpers/write-gguf.js';
import {
  below,
  byteMutation,
  extremeField,
  extremeValue,
  flipBytes,
  pick,
  type Mutant,
  type Random,
} from '../mutations.js';
import type { FuzzTarget } from '../target.js';
import { modelTarget, mutateTensorSet, otherShape } from './model-files.js';

interface GgufSeed {
  name: string;
  bytes: Uint8Array;
  file: GgufFile;
}

function ggufSeed(name: string, model: CanonicalModel, encode: TensorEncoder, vocabulary = false): GgufSeed {
  const tokens = Array.from({ length: 256 }, (_, byte) => new Uint8Array([byte]));
  const file = ggufOf(model, encode, {
    rescaleEvery: model.spec.generation === '6' ? 1 : undefined,
    vocabulary: vocabulary ? ggufVocabulary(tokens, model.spec.nVocab) : undefined,
  });
  return { name, bytes: writeGguf(file), file };
}

const METADATA_CHANGES: ReadonlyArray<(random: Random) => [string, GgufMetadataValue]> = [
  (random) => ['general.alignment', { type: 'u32', value: pick(random, [0, 1, 3, 8, 64, 1 << 16, 2 ** 32 - 1]) }],
  (random) => ['general.architecture', { type: 'string', value: pick(random, ['rwkv6', 'rwkv7', 'arwkv7', '', 'x']) }],
  (random) => ['rwkv6.rescale_every_n_layers', { type: 'u32', value: pick(random, [0, 1, 2, 1000, 2 ** 32 - 1]) }],
  (random) => ['rwkv7.wkv.head_size', { type: 'u32', value: pick(random, [0, 1, 3, 16, 64, 2 ** 31]) }],
  (random) => ['split.count', { type: 'u16', value: pick(random, [0, 1, 2, 65535]) }],
  (random) => [
    'tokenizer.ggml.tokens',
    {
      type: 'string[]',
      value: Array.from({ length: below(random, 300) }, () => pick(random, ['a', '\\x4', '\\q', 'é', '\\\\'])),
    },
  ],
];

function mutateGguf(random: Random, seed: GgufSeed): Mutant {
  const roll = random();
  if (roll < 0.15) {
    const field = pick(random, [8, 16] as const);
    return extremeField(random, seed.bytes, field, 64, field === 8 ? 'tensor count' : 'metadata count');
  }
  if (roll < 0.45) {
    const index = below(random, seed.file.tensors.length);
    const tensor = seed.file.tensors[index];
    const change = below(random, 3);
    const changed =
      change === 0
        ? { ...tensor, offset: extremeValue(random, 64, seed.bytes.length) }
        : change === 1
          ? { ...tensor, type: below(random, 42) }
          : { ...tensor, ne: otherShape(random, tensor.ne) };
    const tensors = seed.file.tensors.map((t, i) => (i === index ? changed : t));
    const what = ['offset', 'type', 'dims'][change];
    return { input: writeGguf({ ...seed.file, tensors }), mutation: `tensor ${tensor.name}: ${what}` };
  }
  if (roll < 0.6) {
    const [key, value] = pick(random, METADATA_CHANGES)(random);
    const metadata = new Map(seed.file.metadata).set(key, value);
    return { input: writeGguf({ ...seed.file, metadata }), mutation: `metadata ${key}` };
  }
  if (roll < 0.75) {
    const set = mutateTensorSet(random, seed.file.tensors, (tensor) => ({
      ...tensor,
      ne: otherShape(random, tensor.ne),
    }));
    return { input: writeGguf({ ...seed.file, tensors: set.tensors }), mutation: set.mutation };
  }
  if (roll < 0.85) return flipBytes(random, seed.bytes, 0, Math.min(seed.bytes.length, 4096));
  return byteMutation(random, seed.bytes, [24]);
}

export function ggufFileTarget(): FuzzTarget {
  const v6 = tinyModel('6', 21);
  const v7 = tinyModel('7', 22);
  const seeds = [
    ggufSeed('v6 F32 rescaled', v6, matricesAs('F32')),
    ggufSeed('v6 F16 rescaled', v6, matricesAs('F16')),
    ggufSeed('v7 F16', v7, matricesAs('F16')),
    ggufSeed('v7 Q8_0', v7, quantizedAs('Q8_0', new Map())),
    ggufSeed('v7 F32 with a vocabulary', tinyModel('7', 23, 320), matricesAs('F32'), true),
  ];
  return modelTarget('GGUF', seeds, mutateGguf);
}
