/**
 * Official `.pth` checkpoints (torch.save zip + pickle) written from synthetic canonical models in official form:
 * reading them gives back the canonical tensors (bit-exact for f32, the stored rounding for f16/bf16), the same
 * spec, and the same logits as the same weights written as rwkv.cpp `.bin`; streaming reads only what each tensor
 * needs.
 */
import { describe, expect, it } from 'vitest';
import { loadCanonicalModel } from '../../src/formats/load.js';
import { openPth } from '../../src/formats/pth/reader.js';
import { blobSource, memorySource } from '../../src/formats/random-access.js';
import { tensorValues } from '../../src/formats/tensor-stream.js';
import { GENERATIONS } from '../../src/model/spec.js';
import { createState } from '../../src/generations/state.js';
import { createReferenceModel } from '../../src/reference/model.js';
import { expectCanonical, officialTensors, writePth } from '../helpers/write-pth.js';
import { chunked, expectFormatError, loadPthModel, modelFile, recordingSource, smallModel } from './helpers.js';

describe('official .pth → canonical tensors', () => {
  for (const generation of GENERATIONS) {
    for (const type of ['f32', 'f16', 'bf16'] as const) {
      it(`v${generation} ${type}`, async () => {
        const model = smallModel(generation);
        const loaded = await loadPthModel(memorySource(writePth(officialTensors(model), { type })));
        expectCanonical(loaded, model, type);
      });
    }
  }

  it('reads tensors that are views into one shared storage (storage offsets)', async () => {
    const model = smallModel('6');
    const file = writePth(officialTensors(model), { type: 'bf16', sharedStorage: true });
    expectCanonical(await loadPthModel(memorySource(file)), model, 'bf16');
  });

  it('reads pickle protocol 4, a plain dict, another archive name and ZIP64 records', async () => {
    const model = smallModel('7');
    const file = writePth(officialTensors(model), {
      protocol: 4,
      container: 'dict',
      archive: 'RWKV-x070-World-0.1B',
      zip64: true,
    });
    expectCanonical(await loadPthModel(memorySource(file)), model, 'f32');
  });

  it("reads ChatRWKV's 5.1 files (gate, per-head decay and bonus [H]) as v5.2 with the values repeated", async () => {
    const base = smallModel('5.2');
    const { nHead, headSize } = base.spec;
    const perHead = /\.att\.time_(decay|faaaa)$/;
    const tensors = new Map(base.tensors);
    for (const [name, tensor] of base.tensors) {
      if (perHead.test(name)) {
        tensors.set(name, { ...tensor, data: tensor.data.map((_, i) => tensor.data[i - (i % headSize)]) });
      }
    }
    const model = { spec: base.spec, tensors };
    const official = officialTensors(model).map((tensor) =>
      perHead.test(tensor.name)
        ? { ...tensor, shape: [nHead], data: tensor.data.filter((_, i) => i % headSize === 0) }
        : tensor,
    );
    expectCanonical(await loadPthModel(memorySource(writePth(official))), model, 'f32');
  });

  it('reads a File/Blob source and is reached through loadCanonicalModel', async () => {
    const model = smallModel('5.2');
    const file = writePth(officialTensors(model), { type: 'f16' });
    expectCanonical(await loadPthModel(blobSource(new Blob([file.slice()]))), model, 'f16');
    expectCanonical(await loadCanonicalModel(file), model, 'f16');
  });

  it('loadCanonicalModel reads a source that is both a chunk stream and random access, like a StoredModel', async () => {
    const model = smallModel('6');
    const file = writePth(officialTensors(model), { type: 'bf16' });
    const stored = Object.assign(chunked(file, 4096), memorySource(file));
    expectCanonical(await loadCanonicalModel(stored), model, 'bf16');
    await expectFormatError(loadCanonicalModel(chunked(file, 4096)), /read by random access/);
  });

  it('streams: opening reads only the directory and pickle; each tensor is one read of its own bytes', async () => {
    const model = smallModel('7', 3);
    const { source, reads } = recordingSource(writePth(officialTensors(model), { type: 'bf16' }));
    const checkpoint = await openPth(source);
    expect(checkpoint.spec.nLayer).toBe(3);
    const largestTensorBytes = Math.max(...[...model.tensors.values()].map((tensor) => 2 * tensor.data.length));
    const openingReads = reads.length;
    expect(reads.every(([, length]) => length <= 22 + 0xffff)).toBe(true);
    let previousEnd = 0;
    for (const { tensor } of checkpoint.streamedTensors(Number.POSITIVE_INFINITY)) {
      await tensorValues(tensor);
      const dataReads = reads.splice(openingReads).filter(([, length]) => length > 64);
      expect(dataReads.length, tensor.name).toBe(tensor.name.endsWith('x_rwkvag') ? 6 : 1);
      expect(Math.max(...dataReads.map(([, length]) => length))).toBeLessThanOrEqual(largestTensorBytes);
      expect(dataReads[0][0], `${tensor.name} is read in file order`).toBeGreaterThan(previousEnd - 1);
      previousEnd = dataReads[0][0];
    }
  });
});

describe('.pth and .bin of the same weights give the same logits (CPU oracle)', () => {
  for (const generation of GENERATIONS) {
    it(`v${generation}`, async () => {
      const model = smallModel(generation);
      const fromPth = await loadPthModel(memorySource(writePth(officialTensors(model))));
      const fromBin = await loadCanonicalModel(modelFile(model, 'f32'));
      const tokens = [3, 17, 0, 39, 8, 8, 21];
      const pthLogits = createReferenceModel(fromPth).forward(tokens, createState(fromPth.spec), { allLogits: true });
      const binLogits = createReferenceModel(fromBin).forward(tokens, createState(fromBin.spec), { allLogits: true });
      let maxDiff = 0;
      for (let i = 0; i < binLogits.length; i++) maxDiff = Math.max(maxDiff, Math.abs(pthLogits[i] - binLogits[i]));
      expect(pthLogits.length).toBe(tokens.length * model.spec.nVocab);
      expect(maxDiff).toBeLessThanOrEqual(1e-5);
      expect(Math.max(...binLogits.map(Math.abs))).toBeGreaterThan(0.1);
    });
  }
});
