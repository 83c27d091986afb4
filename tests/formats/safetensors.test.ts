/**
 * safetensors files in official names and in web-rwkv's `.st` names (time_faaaa → time_first, time_maa →
 * time_mix, LoRA matrices already [out, in]), written from synthetic canonical models: reading them gives back the
 * canonical tensors and the same logits as the same weights in rwkv.cpp `.bin`.
 */
import { describe, expect, it } from 'vitest';
import { loadCanonicalModel } from '../../src/formats/load.js';
import { blobSource, memorySource } from '../../src/formats/random-access.js';
import { openSafetensors } from '../../src/formats/safetensors/reader.js';
import { GENERATIONS } from '../../src/model/spec.js';
import { createState } from '../../src/generations/state.js';
import { createReferenceModel } from '../../src/reference/model.js';
import { expectCanonical, officialTensors } from '../helpers/write-pth.js';
import { writeSafetensors } from '../helpers/write-safetensors.js';
import { loadSafetensorsModel, modelFile, smallModel } from './helpers.js';

describe('safetensors in official names → canonical tensors', () => {
  for (const generation of GENERATIONS) {
    for (const type of ['f32', 'f16', 'bf16'] as const) {
      it(`v${generation} ${type}`, async () => {
        const model = smallModel(generation);
        const file = writeSafetensors(officialTensors(model), { type });
        expect((await openSafetensors(memorySource(file))).naming).toBe('official');
        expectCanonical(await loadSafetensorsModel(memorySource(file)), model, type);
      });
    }
  }

  it('exposes __metadata__ and reads through a Blob and through loadCanonicalModel', async () => {
    const model = smallModel('4');
    const file = writeSafetensors(officialTensors(model), { type: 'bf16', metadata: { format: 'pt', note: 'x' } });
    expect((await openSafetensors(memorySource(file))).metadata).toEqual({ format: 'pt', note: 'x' });
    expectCanonical(await loadSafetensorsModel(blobSource(new Blob([file.slice()]))), model, 'bf16');
    expectCanonical(await loadCanonicalModel(file), model, 'bf16');
  });
});

describe("safetensors in web-rwkv's .st names → canonical tensors", () => {
  for (const generation of ['5.2', '6', '7'] as const) {
    it(`v${generation} f16 (as web-rwkv's converter writes)`, async () => {
      const model = smallModel(generation);
      const file = writeSafetensors(officialTensors(model, 'web-rwkv'), { type: 'f16' });
      const checkpoint = await openSafetensors(memorySource(file));
      expect(checkpoint.naming).toBe('web-rwkv');
      expectCanonical(await loadSafetensorsModel(memorySource(file)), model, 'f16');
    });
  }
});

describe('safetensors and .bin of the same weights give the same logits (CPU oracle)', () => {
  for (const generation of GENERATIONS) {
    for (const naming of ['official', 'web-rwkv'] as const) {
      it(`v${generation}, ${naming} names`, async () => {
        const model = smallModel(generation);
        const fromSt = await loadSafetensorsModel(memorySource(writeSafetensors(officialTensors(model, naming))));
        const fromBin = await loadCanonicalModel(modelFile(model, 'f32'));
        const tokens = [5, 5, 30, 1, 12];
        const stLogits = createReferenceModel(fromSt).forward(tokens, createState(fromSt.spec), { allLogits: true });
        const binLogits = createReferenceModel(fromBin).forward(tokens, createState(fromBin.spec), { allLogits: true });
        expect(stLogits.length).toBe(tokens.length * model.spec.nVocab);
        let maxDiff = 0;
        for (let i = 0; i < binLogits.length; i++) maxDiff = Math.max(maxDiff, Math.abs(stLogits[i] - binLogits[i]));
        expect(maxDiff).toBeLessThanOrEqual(1e-5);
      });
    }
  }
});
