/**
 * GGUF files of seeded synthetic RWKV-6 and RWKV-7 models, written in llama.cpp's layout by the test writer: every
 * tensor type the reader takes (each linear weight stored as that type, the values the CPU oracle then expects being
 * exactly the stored ones), GGUF v2 and v3, other alignments, split files, the embedded World vocabulary, and the
 * files the reader must refuse by name (hybrids, IQ types, a lone split part).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { ModelFormatError } from '../../src/errors.js';
import { worldVocabulary, unescapeToken } from '../../src/formats/gguf/vocabulary.js';
import { K_BLOCK_BYTES } from '../../src/formats/k-quants.js';
import { loadCanonicalModel, openModelStream } from '../../src/formats/load.js';
import { memorySource } from '../../src/formats/random-access.js';
import { collectModel } from '../../src/formats/tensor-stream.js';
import { createState } from '../../src/generations/state.js';
import type { CanonicalModel } from '../../src/model/spec.js';
import { createReferenceModel } from '../../src/reference/model.js';
import { modelIdentity } from '../helpers/model-identity.js';
import { WorldTokenizer } from '../../src/tokenizer/world.js';
import { describeWithFixtures, fixturePath } from '../fixtures.js';
import {
  ggufOf,
  ggufVocabulary,
  matricesAs,
  pythonBytesRepr,
  writeGguf,
  writeSplitGguf,
} from '../helpers/write-gguf.js';
import type { GgmlTypeName } from '../helpers/write-gguf.js';
import { chunked } from './helpers.js';
import { model256, quantizedAs, SOURCE_TYPES } from '../helpers/ggml-blocks.js';

const PROMPT = [3, 1, 4, 1, 5, 9, 2, 6];

function logitsOf(model: CanonicalModel): Float32Array {
  return createReferenceModel(model).forward(PROMPT, createState(model.spec), { allLogits: true });
}

function maxAbs(a: Float32Array, b: Float32Array): number {
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference = Math.max(difference, Math.abs(a[i] - b[i]));
  return difference;
}

describe('GGUF of synthetic models, every tensor type', () => {
  const types: GgmlTypeName[] = ['Q8_0', 'Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'Q2_K', 'Q3_K', 'Q4_K', 'Q5_K', 'Q6_K'];
  test.each((['6', '7'] as const).flatMap((generation) => types.map((type) => [generation, type] as const)))(
    'v%s %s',
    async (generation, type) => {
      const base = model256(generation);
      const expected = new Map<string, Float32Array>();
      const gguf = writeGguf(ggufOf(base, quantizedAs(type, expected)));
      const model = await loadCanonicalModel(chunked(gguf, 65521));
      const reference: CanonicalModel = {
        spec: model.spec,
        tensors: new Map(
          [...base.tensors].map(([name, tensor]) => [name, { ...tensor, data: expected.get(name) ?? tensor.data }]),
        ),
      };
      for (const [name, tensor] of reference.tensors) {
        const read = model.tensors.get(name)!.data;
        expect(read.length, name).toBe(tensor.data.length);
        expect(
          read.findIndex((value, i) => !Object.is(value, tensor.data[i])),
          name,
        ).toBe(-1);
      }
      expect(model.spec.weightType).toBe(SOURCE_TYPES[type]);
      const logits = logitsOf(model);
      expect(logits.every(Number.isFinite)).toBe(true);
      expect(maxAbs(logits, logitsOf(reference))).toBe(0);
    },
  );

  test('F32, F16 and BF16 matrices; GGUF v2; alignments 32, 64 and 256', async () => {
    const base = model256('7');
    for (const [type, version, alignment] of [
      ['F32', 3, 64],
      ['F16', 2, 32],
      ['BF16', 3, 256],
    ] as const) {
      const model = await loadCanonicalModel(writeGguf(ggufOf(base, matricesAs(type), { version, alignment })));
      expect(model.spec.weightType).toBe(SOURCE_TYPES[type]);
      if (type === 'F32') expect(modelIdentity(model)).toEqual(modelIdentity(base));
      expect(maxAbs(logitsOf(model), logitsOf(base))).toBeLessThan(type === 'F32' ? 1e-30 : 0.05);
    }
  });

  test('a split GGUF (three parts, as a model file set) equals the single file', async () => {
    const base = model256('6');
    const file = ggufOf(base, matricesAs('F16'), { rescaleEvery: 1 });
    const single = await loadCanonicalModel(writeGguf(file));
    const parts = writeSplitGguf(file, 3);
    const shard = (i: number, named = true) => ({
      name: named ? `m-0000${i + 1}-of-00003.gguf` : undefined,
      source: memorySource(parts[i]),
    });
    const load = (shards: ReturnType<typeof shard>[]) => openModelStream({ shards }).then(collectModel);
    expect(modelIdentity(await load([shard(0), shard(1), shard(2)]))).toEqual(modelIdentity(single));
    // Numbered names put the parts in order, whatever order they come in.
    expect(modelIdentity(await load([shard(2), shard(0), shard(1)]))).toEqual(modelIdentity(single));
    await expect(loadCanonicalModel(parts[0])).rejects.toThrow(/part 1 of 3 of a split model: load all 3 parts/);
    await expect(load([shard(1, false), shard(0, false), shard(2, false)])).rejects.toThrow(
      /GGUF part 1 of 3 says it is part 2 of 3/,
    );
    await expect(load([shard(0), shard(1)])).rejects.toThrow(/GGUF part 1 of 2 says it is part 1 of 3/);
  });
});

describe('GGUF vocabulary', () => {
  test('token texts are Python bytes literals without the quotes', () => {
    const cases: [number[], string][] = [
      [[0x61, 0x62], 'ab'],
      [[0x0a], '\\n'],
      [[0x09, 0x0d], '\\t\\r'],
      [[0x5c], '\\\\'],
      [[0x27], "'"],
      [[0x27, 0x22], '\\\'"'],
      [[0xe4, 0xbd, 0xa0], '\\xe4\\xbd\\xa0'],
      [[0x00, 0x7f], '\\x00\\x7f'],
    ];
    for (const [bytes, text] of cases) {
      expect(pythonBytesRepr(new Uint8Array(bytes))).toBe(text);
      expect(Array.from(unescapeToken(text))).toEqual(bytes);
    }
    expect(() => unescapeToken('\\q')).toThrow(ModelFormatError);
    expect(() => unescapeToken('\\x4')).toThrow(ModelFormatError);
    expect(() => unescapeToken('é')).toThrow(ModelFormatError);
  });

  test('a model file with its vocabulary: ids 0 and padding have no bytes', async () => {
    const tokens = [...Array.from({ length: 256 }, (_, byte) => new Uint8Array([byte])), new Uint8Array([0x61, 0x62])];
    const vocabulary = ggufVocabulary(tokens, 260);
    const gguf = writeGguf(ggufOf(model256('7'), matricesAs('F32'), { vocabulary }));
    const stream = await openModelStream(gguf);
    await stream.close();
    expect(stream.vocabulary?.kind).toBe('world');
    expect(stream.vocabulary?.tokens.length).toBe(260);
    const tokenizer = WorldTokenizer.fromTokens(stream.vocabulary!.tokens);
    expect(tokenizer.encode('abc\n')).toEqual([257, 0x63 + 1, 0x0a + 1]);
    expect(tokenizer.decode([257, 0, 258, 259])).toBe('ab');
  });
});

describeWithFixtures('GGUF vocabulary from the World vocabulary file', () => {
  test('encodes and decodes as the vocabulary file does', async () => {
    const text = readFileSync(fixturePath('tokenizers', 'rwkv_vocab_v20230424.txt'), 'utf8');
    const fromFile = new WorldTokenizer(text);
    const tokens: Uint8Array[] = [];
    for (let id = 1; id < 65530; id++) tokens.push(fromFile.decodeBytes([id]));
    const metadata = new Map(
      Object.entries({
        'tokenizer.ggml.model': 'rwkv',
        'tokenizer.ggml.tokens': { type: 8, values: ggufVocabulary(tokens, 65536).tokens },
        'tokenizer.ggml.token_type': { type: 5, values: ggufVocabulary(tokens, 65536).types },
      }),
    );
    const fromGguf = WorldTokenizer.fromTokens(worldVocabulary(metadata)!);
    const sample = 'Hello, "world"! \\ back\\slash\ttab\n日本語のテキスト 🌍 [PAD1] <s> \x00\x7f';
    expect(fromGguf.encode(sample)).toEqual(fromFile.encode(sample));
    const ids = fromFile.encode(sample);
    expect(fromGguf.decode(ids)).toBe(sample);
    expect(fromGguf.vocabSize).toBe(65536);
  });
});

describe('GGUF files refused by name', () => {
  const base = ggufOf(model256('7'), matricesAs('F32'));
  const withArchitecture = (architecture: string) => {
    const metadata = new Map(base.metadata);
    metadata.set('general.architecture', { type: 'string', value: architecture });
    return writeGguf({ ...base, metadata });
  };

  test('hybrid and foreign architectures', async () => {
    await expect(loadCanonicalModel(withArchitecture('arwkv7'))).rejects.toThrow(
      /GGUF architecture 'arwkv7' \(an RWKV-7 time-mix grafted onto a Qwen 2\.5 model, not an RWKV model\) is not supported \(rwkv7, rwkv6\)/,
    );
    await expect(loadCanonicalModel(withArchitecture('rwkv6qwen2'))).rejects.toThrow(/'rwkv6qwen2' \(an RWKV-6/);
    await expect(loadCanonicalModel(withArchitecture('llama'))).rejects.toThrow(/'llama' is not supported/);
    await expect(loadCanonicalModel(withArchitecture('rwkv6'))).rejects.toThrow(ModelFormatError);
  });

  test('IQ and other types are named', async () => {
    for (const [id, name] of [
      [16, 'IQ2_XXS'],
      [23, 'IQ4_XS'],
      [20, 'IQ4_NL'],
      [15, 'Q8_K'],
      [35, 'TQ2_0'],
    ] as const) {
      const tensors = base.tensors.map((tensor, i) => (i === 3 ? { ...tensor, type: id } : tensor));
      await expect(loadCanonicalModel(writeGguf({ ...base, tensors }))).rejects.toThrow(
        new RegExp(`ggml type ${name} is not supported`),
      );
    }
    const tensors = base.tensors.map((tensor, i) => (i === 3 ? { ...tensor, type: 99 } : tensor));
    await expect(loadCanonicalModel(writeGguf({ ...base, tensors }))).rejects.toThrow(/unknown ggml type 99/);
  });

  test('a K-quant row that is not whole super-blocks', async () => {
    const tensors = base.tensors.map((tensor) =>
      tensor.name === 'blk.0.time_mix_w2.weight'
        ? {
            ...tensor,
            type: 'Q4_K' as const,
            data: new Uint8Array((tensor.data.length / 4 / 256) * K_BLOCK_BYTES.q4_k),
          }
        : tensor,
    );
    await expect(loadCanonicalModel(writeGguf({ ...base, tensors }))).rejects.toThrow(
      /Q4_K rows must be whole 256-value blocks, but ne0 is 32/,
    );
  });
});
