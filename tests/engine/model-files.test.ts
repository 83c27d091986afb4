/**
 * A model given to createEngine as several files (a Hugging Face folder): File shards with their index and
 * config.json, in any order, give the logits and the model identity of the same weights in one `.bin`, also among
 * the other files of a picked folder (README, tokenizer files, a second copy of the weights); a config
 * that contradicts the weights and a shard missing are refused with a ModelFormatError saying why. (By URL:
 * url-inputs.test.ts.)
 */
import { describe, expect, test } from 'vitest';
import { createEngine } from '../../src/engine/engine.js';
import type { ModelFiles } from '../../src/protocol/types.js';
import { hubTensors } from '../helpers/write-hub.js';
import { officialTensors, writePth } from '../helpers/write-pth.js';
import { writeSafetensors } from '../helpers/write-safetensors.js';
import { writeShards } from '../helpers/write-shards.js';
import { bytesOf, cpuEngine, tinyModel } from './helpers.js';

const model = tinyModel('7');
const shards = writeShards(hubTensors(officialTensors(model), '7'), 3);
const files = shards.files.map(({ name, bytes }) => new File([bytes.slice()], name));
const index = new File([shards.index], 'model.safetensors.index.json');
const config = { hidden_size: 32, num_hidden_layers: 2, vocab_size: 256, head_dim: 16, norm_eps: 1e-5 };
const configFile = (values: object) => new File([JSON.stringify(values)], 'config.json');

async function logitsOf(modelFiles: ModelFiles) {
  const engine = await createEngine({ model: modelFiles, backend: 'reference', worker: false });
  const session = await engine.createSession();
  await session.prefill(bytesOf('shards'));
  const result = { logits: await session.logits(), modelId: engine.info.modelId, name: engine.info.name };
  await engine.dispose();
  return result;
}

describe('a model given as several files', () => {
  test('File shards with index and config.json, in any order, equal the same weights in one .bin', async () => {
    const single = await cpuEngine(model);
    const session = await single.createSession();
    await session.prefill(bytesOf('shards'));
    const expected = await session.logits();
    const modelId = single.info.modelId;
    await single.dispose();
    for (const list of [
      [index, configFile(config), ...files],
      [...files].reverse(),
      [files[1], index, files[2], files[0]],
    ]) {
      const result = await logitsOf(list);
      expect(result.logits).toEqual(expected);
      expect(result.modelId).toBe(modelId);
    }
  });

  test('a whole picked folder: other files ignored, the copy the index names (else the safetensors) read', async () => {
    const expected = await logitsOf([index, ...files]);
    const tensors = hubTensors(officialTensors(model), '7');
    const others = [
      new File(['# RWKV-7'], 'README.md'),
      new File(['{"model_max_length": 4096}'], 'tokenizer_config.json'),
      new File([writePth(tensors).slice()], 'pytorch_model.bin'),
    ];
    expect((await logitsOf([...others, index, configFile(config), ...files])).logits).toEqual(expected.logits);
    const single = new File([writeSafetensors(tensors).slice()], 'model.safetensors');
    expect((await logitsOf([...others, single])).logits).toEqual(expected.logits);
  });

  test('refuses a contradicting config.json, a missing shard, and nameless bytes beside an index', async () => {
    await expect(logitsOf([index, configFile({ ...config, head_dim: 64 }), ...files])).rejects.toThrow(
      /config\.json says head_dim 64 but the weights have head size 16/,
    );
    await expect(logitsOf([index, files[0], files[2]])).rejects.toThrow(/model-00002-of-00003\.safetensors missing/);
    await expect(logitsOf([index, ...shards.files.map(({ bytes }) => bytes)])).rejects.toThrow(
      /every shard needs its file name/,
    );
  });
});
