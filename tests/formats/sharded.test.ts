/**
 * Models split over several files (a Hugging Face folder): shards of safetensors or torch zips with their index
 * (and config.json) load as the single file does — the fixtures' logits match rwkv.cpp's within 1e-4 — and every
 * inconsistency between index, shards and config is a ModelFormatError naming it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadCanonicalModel, openModelStream } from '../../src/formats/load.js';
import { memorySource } from '../../src/formats/random-access.js';
import type { ModelFileSet } from '../../src/formats/sharded/reader.js';
import { collectModel } from '../../src/formats/tensor-stream.js';
import { createState } from '../../src/generations/state.js';
import { createReferenceModel } from '../../src/reference/model.js';
import { describeWithFixtures, REFERENCE_PROMPT, referenceLogitsCases } from '../fixtures.js';
import { hubTensors } from '../helpers/write-hub.js';
import { officialTensors } from '../helpers/write-pth.js';
import { writeShards } from '../helpers/write-shards.js';
import type { WrittenShards } from '../helpers/write-shards.js';
import { maxAbsDiff } from '../reference/helpers.js';
import { expectFormatError, smallModel } from './helpers.js';

function fileSet(written: WrittenShards, extra: Partial<ModelFileSet> = {}): ModelFileSet {
  return {
    shards: written.files.map(({ name, bytes }) => ({ name, source: memorySource(bytes) })),
    index: written.index,
    ...extra,
  };
}

describeWithFixtures('fixture models as sharded Hugging Face folders vs rwkv.cpp reference logits', () => {
  const cases = referenceLogitsCases().filter((c) => c.format === 'FP32');
  it.each(cases.map((c) => [c.model, c] as const))('%s', async (_, fixture) => {
    const bin = await loadCanonicalModel(new Uint8Array(readFileSync(fixture.modelFile)));
    const hub = hubTensors(officialTensors(bin), bin.spec.generation);
    const bytes = new Uint8Array(readFileSync(fixture.logitsFile));
    const expected = new Float32Array(bytes.buffer, 0, bytes.length / 4);
    for (const container of ['safetensors', 'pth'] as const) {
      const stream = await openModelStream(fileSet(writeShards(hub, 3, container)));
      const model = await collectModel(stream);
      const tokens = Array.from(new TextEncoder().encode(REFERENCE_PROMPT));
      const logits = createReferenceModel(model).forward(tokens, createState(model.spec), { allLogits: true });
      const difference = maxAbsDiff(logits, expected);
      console.log(`${fixture.model} in 3 ${container} shards: max-abs ${difference.toExponential(2)}`);
      expect(difference).toBeLessThanOrEqual(1e-4);
    }
  });
});

describe('sharded checkpoints', () => {
  const model = smallModel('7');
  const hub = hubTensors(officialTensors(model), '7');
  const written = writeShards(hub, 3);
  const whole = async () => collectModel(await openModelStream(fileSet(writeShards(hub, 1))));

  it('loads the same tensors from shards, in any order, with or without the index', async () => {
    const expected = await whole();
    const reversed = { ...fileSet(written), shards: [...fileSet(written).shards].reverse() };
    for (const set of [fileSet(written), reversed, { shards: fileSet(written).shards }]) {
      const loaded = await collectModel(await openModelStream(set));
      expect(loaded.spec).toEqual(expected.spec);
      for (const [name, tensor] of expected.tensors) expect(loaded.tensors.get(name)?.data).toEqual(tensor.data);
    }
  });

  it('streams the shards one after another and reports the bytes of all of them', async () => {
    const stream = await openModelStream(fileSet(written));
    const total = written.files.reduce((sum, file) => sum + file.bytes.length, 0);
    expect(stream.bytes).toBe(total);
    await collectModel(stream);
    expect(stream.bytesRead).toBeGreaterThan(total - written.files[2].bytes.length);
    expect(stream.bytesRead).toBeLessThanOrEqual(total);
  });

  it('checks config.json against the weights', async () => {
    const config = { hidden_size: 64, num_hidden_layers: 2, vocab_size: 40, head_dim: 32, norm_eps: 1e-5 };
    await collectModel(await openModelStream(fileSet(written, { config: JSON.stringify(config) })));
    await expectFormatError(
      openModelStream(fileSet(written, { config: JSON.stringify({ ...config, hidden_size: 768 }) })),
      /config\.json says hidden_size 768 but the weights have n_embed 64/,
    );
    await expectFormatError(
      openModelStream(fileSet(written, { config: JSON.stringify({ ...config, norm_eps: 1e-6 }) })),
      /norm_eps 0\.000001; the runtime normalises with eps 0\.00001/,
    );
    await expectFormatError(openModelStream(fileSet(written, { config: '[1' })), /config\.json is not valid JSON/);
  });

  const index = JSON.parse(written.index) as { weight_map: Record<string, string> };
  const [firstName, firstFile] = Object.entries(index.weight_map)[0];
  const hostile: [string, () => ModelFileSet, RegExp][] = [
    ['an index that is not JSON', () => fileSet(written, { index: '{"weight_map": ' }), /not valid JSON/],
    ['an index without weight_map', () => fileSet(written, { index: '{"metadata": {}}' }), /no "weight_map"/],
    ['an empty weight_map', () => fileSet(written, { index: '{"weight_map": {}}' }), /lists 0 tensors/],
    ...['../model.safetensors', 'https://evil.example/x.safetensors', '/etc/passwd', 'a\\b', '..', 'x\ny'].map(
      (file) =>
        [
          `a shard named ${JSON.stringify(file)}`,
          () => fileSet(written, { index: JSON.stringify({ weight_map: { ...index.weight_map, [firstName]: file } }) }),
          /not a plain file name/,
        ] as [string, () => ModelFileSet, RegExp],
    ),
    [
      'a shard the index does not name',
      () => fileSet(written, { index: JSON.stringify({ weight_map: { [firstName]: firstFile } }) }),
      /is not a shard of the index/,
    ],
    [
      'a shard missing',
      () => ({ ...fileSet(written), shards: fileSet(written).shards.slice(1) }),
      /shard model-00001-of-00003\.safetensors missing/,
    ],
    [
      'a tensor in another shard than the index says',
      () =>
        fileSet(written, {
          index: JSON.stringify({ weight_map: { ...index.weight_map, [firstName]: written.files[1].name } }),
        }),
      /is in 'model-00001-of-00003\.safetensors' but the shard index puts it in 'model-00002/,
    ],
    [
      'a tensor the index lists but no shard holds',
      () => fileSet(written, { index: JSON.stringify({ weight_map: { ...index.weight_map, ghost: firstFile } }) }),
      /tensor 'ghost' is missing from 'model-00001-of-00003\.safetensors'/,
    ],
    [
      'the same tensor in two shards',
      () => ({
        shards: [
          ...fileSet(written).shards,
          { name: 'copy.safetensors', source: memorySource(written.files[0].bytes) },
        ],
      }),
      /is stored in both 'model-00001-of-00003\.safetensors' and 'copy\.safetensors'/,
    ],
    [
      'a shard given twice',
      () => ({ ...fileSet(written), shards: [...fileSet(written).shards, fileSet(written).shards[0]] }),
      /shard 'model-00001-of-00003\.safetensors' is given twice/,
    ],
    [
      'an unnamed shard with an index',
      () => ({ ...fileSet(written), shards: fileSet(written).shards.map((shard) => ({ ...shard, name: undefined })) }),
      /every shard needs its file name/,
    ],
    [
      'a shard that is not a checkpoint',
      () => ({ shards: [{ name: 'notes.txt', source: memorySource(new TextEncoder().encode('hello, world')) }] }),
      /'notes\.txt' is not a safetensors file or a PyTorch zip checkpoint/,
    ],
    ['no shard at all', () => ({ shards: [] }), /needs 1 to 10000 weight files, not 0/],
  ];
  it.each(hostile)('refuses %s with a ModelFormatError', async (_, set, pattern) => {
    await expectFormatError(openModelStream(set()), pattern);
  });
});
