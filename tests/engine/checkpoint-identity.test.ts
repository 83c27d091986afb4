/**
 * Model identity and foreign states: the spec hash follows the shape only, the model id the weights too (and not
 * the file format they came in); a state of another model, of another shape or of the same shape with other
 * weights, is refused with StateMismatchError by importState and restoreSession.
 */
import { describe, expect, test } from 'vitest';
import { createEngine } from '../../src/engine/engine.js';
import { StateMismatchError } from '../../src/storage/state-errors.js';
import { specHash } from '../../src/storage/state-identity.js';
import { modelIdentity } from '../helpers/model-identity.js';
import { officialTensors } from '../helpers/write-pth.js';
import { writeSafetensors } from '../helpers/write-safetensors.js';
import { cpuEngine, tinyModel } from './helpers.js';

describe('model identity', () => {
  test('the spec hash follows the shape; the model id the weights, in any tensor order', () => {
    const [a, sameShape, otherShape] = [tinyModel('7', 1), tinyModel('7', 2), tinyModel('6', 1)];
    expect(specHash(a.spec)).toBe(specHash(sameShape.spec));
    expect(specHash(a.spec)).not.toBe(specHash(otherShape.spec));
    expect(specHash(a.spec)).toBe(specHash({ ...a.spec, weightType: 'q8_0' }));
    expect(specHash(a.spec)).toMatch(/^[0-9a-f]{64}$/);
    expect(modelIdentity(a).modelId).not.toBe(modelIdentity(sameShape).modelId);
    const reversed = { spec: a.spec, tensors: new Map([...a.tensors].reverse()) };
    expect(modelIdentity(reversed)).toEqual(modelIdentity(a));
    const changed = (name: string, index: (length: number) => number) => {
      const tensors = new Map(a.tensors);
      const tensor = tensors.get(name)!;
      const data = tensor.data.slice();
      data[index(data.length)] += 1e-3;
      tensors.set(name, { ...tensor, data });
      return modelIdentity({ spec: a.spec, tensors }).modelId;
    };
    const ids = new Set([
      modelIdentity(a).modelId,
      changed('head.weight', () => 0),
      changed('head.weight', (length) => length - 1),
      changed('blocks.1.ln1.weight', (length) => length >> 1),
    ]);
    expect(ids.size).toBe(4);
  });

  test('the same weights from .bin and from safetensors have the same id', async () => {
    const model = tinyModel('7', 3);
    const fromBin = await cpuEngine(model);
    const fromSafetensors = await createEngine({
      model: writeSafetensors(officialTensors(model), { type: 'f32' }),
      backend: 'cpu',
      worker: false,
    });
    expect(fromSafetensors.info.modelId).toBe(fromBin.info.modelId);
    await Promise.all([fromBin.dispose(), fromSafetensors.dispose()]);
  });
});

describe('a state of another model is refused', () => {
  test('importState and restoreSession throw StateMismatchError and name both models', async () => {
    const sessionDatabase = 'identity-test';
    const home = await cpuEngine(tinyModel('7', 1), { sessionDatabase });
    const session = await home.createSession();
    await session.prefill('mine');
    const blob = await session.exportStateBlob();
    await session.save('mine');

    const sameShape = await cpuEngine(tinyModel('7', 2), { sessionDatabase });
    const otherShape = await cpuEngine(tinyModel('5.2', 1), { sessionDatabase });
    await expect(sameShape.importState(blob)).rejects.toThrow(StateMismatchError);
    await expect(sameShape.importState(blob)).rejects.toThrow(/same shape \(other weights\).*v7, 2 layers × 32/);
    await expect(otherShape.importState(blob)).rejects.toThrow(/another shape: rwkv \(RWKV v7.*runs rwkv \(RWKV v5\.2/);
    await expect(otherShape.restoreSession('mine')).rejects.toThrow(StateMismatchError);
    await expect(sameShape.restoreSession('mine')).rejects.toThrow(StateMismatchError);

    const again = await home.restoreSession('mine');
    expect(await again.logits()).toEqual(await session.logits());
    await Promise.all([home.dispose(), sameShape.dispose(), otherShape.dispose()]);
  });
});
