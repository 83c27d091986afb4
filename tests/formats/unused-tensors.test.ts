/**
 * Tensors that official checkpoints carry but inference never reads (the v7 module's `official.unused`, src/generations/v7/module.ts): a v7
 * checkpoint saved by BlinkDL's training code holds the value-residual gate of layer 0 (`blocks.0.att.v0/v1/v2`).
 * Such files load, as `.pth` and as safetensors, to exactly the model without them, and those bytes are never
 * read; the same names where a generation does not carry them, and any other extra tensor, are still refused.
 */
import { describe, expect, it } from 'vitest';
import { memorySource } from '../../src/formats/random-access.js';
import type { CanonicalModel } from '../../src/model/spec.js';
import { expectCanonical, officialTensors, writePth } from '../helpers/write-pth.js';
import type { OfficialTensor } from '../helpers/write-pth.js';
import { writeSafetensors } from '../helpers/write-safetensors.js';
import {
  expectFormatError,
  loadPthModel,
  loadSafetensorsModel,
  recordingSource,
  seededRandom,
  smallModel,
} from './helpers.js';

/** Random values of `shape`, nonzero so that using them by mistake would change the model. */
function randomTensor(name: string, shape: number[], seed: number): OfficialTensor {
  const random = seededRandom(seed);
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1)).map(() => 4 * random() - 2);
  return { name, shape, data };
}

/** Layer 0's value-residual gate as RWKV-LM's RWKV_Tmix_x070 saves it: v0 [1, 1, C], v1 [C, D], v2 [D, C]. */
function layerZeroGate(model: CanonicalModel): OfficialTensor[] {
  const c = model.spec.nEmbed;
  const d = model.tensors.get('blocks.1.att.v1')?.shape[0] ?? 0;
  return [
    randomTensor('blocks.0.att.v0', [1, 1, c], 1),
    randomTensor('blocks.0.att.v1', [c, d], 2),
    randomTensor('blocks.0.att.v2', [d, c], 3),
  ];
}

/** The official tensors of `model` with `extra` stored right after `after`, where a training state dict has them. */
function withTensors(model: CanonicalModel, extra: OfficialTensor[], after: string): OfficialTensor[] {
  const tensors = officialTensors(model);
  const at = tensors.findIndex((tensor) => tensor.name === after) + 1;
  expect(at, `${after} is stored`).toBeGreaterThan(0);
  return [...tensors.slice(0, at), ...extra, ...tensors.slice(at)];
}

describe("official v7 checkpoints with layer 0's value-residual gate (blocks.0.att.v0/v1/v2)", () => {
  const model = smallModel('7', 3);
  const tensors = withTensors(model, layerZeroGate(model), 'blocks.0.att.a2');

  it('a .pth loads to exactly the model without them', async () => {
    for (const type of ['f32', 'bf16'] as const) {
      expectCanonical(await loadPthModel(memorySource(writePth(tensors, { type }))), model, type);
    }
  });

  it('a safetensors file loads to exactly the model without them, never reading their bytes', async () => {
    const file = writeSafetensors(tensors, { type: 'f16' });
    const { source, reads } = recordingSource(file);
    expectCanonical(await loadSafetensorsModel(source), model, 'f16');
    const headerLength = Number(new DataView(file.buffer).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + headerLength))) as Record<
      string,
      { data_offsets: [number, number] }
    >;
    for (const name of ['blocks.0.att.v0', 'blocks.0.att.v1', 'blocks.0.att.v2']) {
      const [begin, end] = header[name].data_offsets.map((offset) => 8 + headerLength + offset);
      const overlapping = reads.filter(([offset, length]) => offset < end && offset + length > begin);
      expect(overlapping, `reads of ${name}`).toEqual([]);
    }
    expect(reads.length).toBeGreaterThan(model.tensors.size);
  });

  it('any other extra tensor in a v7 file is still refused', async () => {
    const extra = [randomTensor('blocks.0.att.v3', [1, 1, model.spec.nEmbed], 4)];
    await expectFormatError(
      loadPthModel(memorySource(writePth(withTensors(model, extra, 'blocks.0.att.a2')))),
      /unexpected tensor 'blocks\.0\.att\.v3' in a v7 model/,
    );
    const late = [randomTensor('blocks.2.ffn.v0', [1, 1, model.spec.nEmbed], 5)];
    await expectFormatError(
      loadSafetensorsModel(memorySource(writeSafetensors(withTensors(model, late, 'blocks.2.ffn.key.weight')))),
      /unexpected tensor 'blocks\.2\.ffn\.v0' in a v7 model/,
    );
  });

  it('the same names in a generation whose checkpoints do not carry them are refused', async () => {
    const v6 = smallModel('6', 2);
    await expectFormatError(
      loadPthModel(memorySource(writePth(withTensors(v6, layerZeroGate(model), 'blocks.0.att.key.weight')))),
      /unexpected tensor 'blocks\.0\.att\.v0' in a v6 model/,
    );
  });
});
