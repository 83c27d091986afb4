/**
 * State-tuning files (RWKV-PEFT's blocks.N.att.time_state) as named initial states on the CPU engine:
 * `engine.loadState(file, { name })` then `createSession({ state: name })` gives exactly the logits of a session
 * created from that state written by hand (docs/state-format.md's layout), for `.pth` and safetensors files of
 * v5.2, v6 and v7 models; the time_state's [h][i][j] is read as RWKV-PEFT's kernel reads it (i the value channel):
 * the first WKV output equals that kernel's formula; a file of another shape, or a v4 model, is refused with
 * StateMismatchError, a file without time_state with ModelFormatError.
 */
import { describe, expect, test } from 'vitest';
import { wkv5Step } from '../../src/cpu/ops.js';
import { ModelFormatError } from '../../src/errors.js';
import { StateMismatchError } from '../../src/storage/state-errors.js';
import { expectTunedLogits, timeStateTensors } from '../helpers/state-tuning-files.js';
import { writePth } from '../helpers/write-pth.js';
import { writeSafetensors } from '../helpers/write-safetensors.js';
import { cpuEngine, tinyModel } from './helpers.js';

const WRITERS = { '.pth': writePth, safetensors: writeSafetensors } as const;

describe.each(['5.2', '6', '7'] as const)('state tuning, RWKV v%s', (generation) => {
  test.each(Object.keys(WRITERS) as (keyof typeof WRITERS)[])(
    '%s: the first logits are those of that state',
    async (kind) => {
      const model = tinyModel(generation, 3);
      const engine = await cpuEngine(model);
      const tensors = timeStateTensors(model.spec);
      await engine.loadState(WRITERS[kind](tensors), { name: 'persona' });
      expect(engine.info.initialStates).toEqual(['persona']);

      const logits = await expectTunedLogits(engine, 'persona', tensors);

      const withPrefix = await engine.createSession({ state: 'persona', prefix: 'Hi' });
      expect(await withPrefix.logits()).toEqual(logits);
      await engine.dispose();
    },
  );
});

test("the time_state is read as RWKV-PEFT's state kernel reads it: S[h][i][j], i the value channel", async () => {
  const model = tinyModel('6', 3);
  const { nHead, headSize, nEmbed } = model.spec;
  const engine = await cpuEngine(model);
  const tensors = timeStateTensors(model.spec);
  await engine.loadState(writeSafetensors(tensors), { name: 'tuned' });
  const state = await (await engine.createSession({ state: 'tuned' })).exportState();
  const layer0 = state.data.slice(2 * nEmbed, 2 * nEmbed + nHead * headSize * headSize);
  const channel = (k: number) => Float32Array.from({ length: nEmbed }, (_, c) => Math.cos(k * c + 0.3));
  const [r, k, v, w, u] = [1, 2, 3, 4, 5].map(channel);
  const ours = wkv5Step(r, k, v, w, u, layer0, headSize);
  // wkv6state's forward: thread i (a value channel) keeps state[j] = s[h·N·N + i·N + j] and sums over the keys j.
  const s = tensors[0].data;
  for (let h = 0; h < nHead; h++) {
    for (let i = 0; i < headSize; i++) {
      let y = 0;
      for (let j = 0; j < headSize; j++) {
        const at = h * headSize + j;
        y += r[at] * (u[at] * k[at] * v[h * headSize + i] + s[h * headSize * headSize + i * headSize + j]);
      }
      expect(ours[h * headSize + i]).toBeCloseTo(y, 5);
    }
  }
  await engine.dispose();
});

describe('state-tuning files that do not fit', () => {
  test('another shape or layer count: StateMismatchError, nothing loaded', async () => {
    const model = tinyModel('7', 3);
    const engine = await cpuEngine(model);
    const { nLayer, nHead, headSize } = model.spec;
    for (const shape of [
      { nLayer: nLayer + 1, nHead, headSize },
      { nLayer, nHead: nHead * 2, headSize: headSize / 2 },
    ]) {
      const loading = engine.loadState(writeSafetensors(timeStateTensors(shape)), { name: 'other' });
      await expect(loading).rejects.toThrow(StateMismatchError);
      await expect(loading).rejects.toThrow(/holds \d+ layers of time_state \[\d+, \d+, \d+\]; this engine's model/);
    }
    expect(engine.info.initialStates).toEqual([]);
    await expect(engine.createSession({ state: 'other' })).rejects.toThrow(/No initial state named "other"/);
    await engine.dispose();
  });

  test('a v4 model has no per-head matrix state: StateMismatchError', async () => {
    const engine = await cpuEngine(tinyModel('4', 3));
    const file = writePth(timeStateTensors({ nLayer: 2, nHead: 2, headSize: 16 }));
    await expect(engine.loadState(file, { name: 'x' })).rejects.toThrow(/no per-head matrix state \(RWKV v4\)/);
    await engine.dispose();
  });

  test('a file without time_state, or a missing layer: ModelFormatError', async () => {
    const engine = await cpuEngine(tinyModel('7', 3));
    const tensors = timeStateTensors(tinyModel('7', 3).spec);
    const noState = writeSafetensors([{ ...tensors[0], name: 'blocks.0.att.key.weight' }]);
    await expect(engine.loadState(noState, { name: 'x' })).rejects.toThrow(ModelFormatError);
    await expect(engine.loadState(writePth([tensors[1]]), { name: 'x' })).rejects.toThrow(/none for layer 0/);
    await expect(engine.loadState(new Uint8Array(64), { name: 'x' })).rejects.toThrow(/neither/);
    await engine.dispose();
  });
});
