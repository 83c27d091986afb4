/**
 * A state-tuning file on WebGPU, in headless Chromium: loaded from a File (`engine.loadState`), a session created
 * from it (`createSession({ state })`) gives exactly the first logits of a session created from that state written
 * by hand (docs/state-format.md's layout), different from a fresh session's, and within 1e-3 of the CPU engine's
 * tuned session; a file of another shape is refused with StateMismatchError.
 */
import { expect, test } from 'vitest';
import { createEngine } from '../../../src/engine/engine.js';
import { StateMismatchError } from '../../../src/storage/state-errors.js';
import { cpuEngine, modelBytes, tinyModel } from '../../engine/helpers.js';
import { expectTunedLogits, timeStateTensors } from '../../helpers/state-tuning-files.js';
import { writeSafetensors } from '../../helpers/write-safetensors.js';

test('a tuned initial state on WebGPU: the first logits of that state', async () => {
  const model = tinyModel('7', 3);
  const tensors = timeStateTensors(model.spec);
  const file = new File([writeSafetensors(tensors) as Uint8Array<ArrayBuffer>], 'persona.safetensors');
  const engine = await createEngine({ model: modelBytes(model), backend: 'webgpu', worker: false });
  await engine.loadState(file, { name: 'persona' });
  expect(engine.info.initialStates).toEqual(['persona']);

  const logits = await expectTunedLogits(engine, 'persona', tensors);

  const cpu = await cpuEngine(model);
  await cpu.loadState(file, { name: 'persona' });
  const onCpu = await cpu.createSession({ state: 'persona' });
  await onCpu.prefill('Hi');
  const cpuLogits = await onCpu.logits();
  const worst = Math.max(...logits.map((value, i) => Math.abs(value - cpuLogits[i])));
  expect(worst).toBeLessThan(1e-3);

  const other = writeSafetensors(timeStateTensors({ ...model.spec, nLayer: 1 }));
  await expect(engine.loadState(other, { name: 'other' })).rejects.toThrow(StateMismatchError);
  await Promise.all([engine.dispose(), cpu.dispose()]);
});
