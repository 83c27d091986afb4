/**
 * Orphaned checkpoints: `engine.sessions.list()` marks a checkpoint orphaned once no model in the model store (nor
 * the engine's own) has its identity. A model loaded from a URL is stored with the identity the engine computed
 * (the manifest's modelId), so its checkpoints are not orphaned — seen from an engine of another model — until the
 * model is deleted from the store.
 */
import { expect, test } from 'vitest';
import { createEngine } from '../../../src/engine/engine.js';
import { models } from '../../../src/storage/index.js';
import { modelBytes, tinyModel } from '../../engine/helpers.js';
import { deleteModels, SMALL_MODEL, uniqueName } from '../loading/helpers.js';
import { serveModel } from '../server/client.js';

test('a checkpoint is orphaned once its model is deleted from the store', async () => {
  const served = await serveModel(uniqueName('orphan'), { model: SMALL_MODEL, dataType: 'f32' });
  const id = models.idForUrl(served.url);
  const sessionDatabase = uniqueName('orphan-sessions');
  const key = uniqueName('chat');
  try {
    const stored = await createEngine({ model: served.url, backend: 'cpu', sessionDatabase });
    const session = await stored.createSession();
    await session.prefill('kept');
    await session.save(key);
    await stored.dispose();
    expect(await models.info(id)).toMatchObject({ modelId: stored.info.modelId });

    const other = await createEngine({ model: modelBytes(tinyModel('5.2', 3)), backend: 'cpu', sessionDatabase });
    const own = await other.createSession();
    await own.prefill('mine');
    await own.save(`${key}-other`);
    const entry = async (name: string) => (await other.sessions.list()).find((checkpoint) => checkpoint.key === name);
    expect(await entry(key)).toMatchObject({ modelId: stored.info.modelId, orphaned: false });
    expect(await entry(`${key}-other`)).toMatchObject({ orphaned: false });

    await models.delete(id);
    expect(await entry(key)).toMatchObject({ orphaned: true });
    expect(await entry(`${key}-other`)).toMatchObject({ orphaned: false });
    await other.dispose();
  } finally {
    await deleteModels(id);
  }
});
