/**
 * State files of the right model whose contents do not fit it (found by the fuzzer, tests/fuzz): token ids outside
 * the vocabulary, or counts shifted between sections so that the length still matches, are refused with
 * StateFormatError — not a RangeError from deep inside the engine — as are NaN or infinite values (they failed the
 * first sampled token), as are finite values too large for any state (the fuzzer's byte flips of an exponent: the
 * next token was NaN), and a corrupt prefix-cache entry is a miss.
 */
import { describe, expect, test } from 'vitest';
import { checkpointStore } from '../../src/storage/checkpoint-store.js';
import { StateFormatError } from '../../src/storage/state-errors.js';
import { decodeStateFile, encodeStateFile } from '../../src/storage/state-file.js';
import { collect, cpuEngine, tinyModel } from './helpers.js';

async function exported(prompt: string, sessionDatabase = 'state-file-contents') {
  const engine = await cpuEngine(tinyModel('7', 5), { sessionDatabase });
  const session = await engine.createSession();
  await session.prefill(prompt);
  const bytes = new Uint8Array(await (await session.exportStateBlob()).arrayBuffer());
  return { engine, session, bytes };
}

describe('state files whose contents do not fit their model', () => {
  test('a token id outside the vocabulary', async () => {
    const { engine, bytes } = await exported('abc');
    const file = decodeStateFile(bytes);
    file.tokens[1] = 256;
    const error = await engine.importState(encodeStateFile(file)).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(StateFormatError);
    expect((error as Error).message).toMatch(/token 256 at position 1 is outside the model's vocabulary of 256/);
    await engine.dispose();
  });

  test('a state value counted as a token: the length still matches', async () => {
    const { engine, bytes } = await exported('abc');
    const view = new DataView(bytes.buffer);
    view.setUint32(84, view.getUint32(84, true) + 1, true); // one more token …
    view.setUint32(92, view.getUint32(92, true) - 1, true); // … one state value fewer
    const error = await engine.importState(bytes).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(StateFormatError);
    expect((error as Error).message).toMatch(/state values where this model's state has/);
    await engine.dispose();
  });

  test('a NaN or an infinity in the state or the logits', async () => {
    const { engine, bytes } = await exported('abc');
    for (const [part, at, value] of [
      ['state', 5, NaN],
      ['logits', 7, -Infinity],
    ] as const) {
      const file = decodeStateFile(bytes);
      (part === 'state' ? file.state.data : file.logits!)[at] = value;
      const error = await engine.importState(encodeStateFile(file)).catch((reason: unknown) => reason);
      expect(error).toBeInstanceOf(StateFormatError);
      expect((error as Error).message).toContain(`${part === 'state' ? 'state' : 'logit'} value ${at} is ${value}`);
    }
    await engine.dispose();
  });

  test('a state value beyond any session of the model (a flipped exponent byte): refused at import', async () => {
    const { engine, bytes } = await exported('abc');
    const file = decodeStateFile(bytes);
    file.state.data[9] = 2 ** 85;
    const error = await engine.importState(encodeStateFile(file)).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(StateFormatError);
    expect((error as Error).message).toContain(`state value 9 is ${2 ** 85}, beyond ±${2 ** 40}`);
    file.state.data[9] = -(2 ** 40); // the limit itself still imports
    await (await engine.importState(encodeStateFile(file))).dispose();
    await engine.dispose();
  });

  test('a fresh v4 state (pp at −1e30, beyond the limit) imports and generates', async () => {
    const engine = await cpuEngine(tinyModel('4', 5));
    const session = await engine.createSession();
    const bytes = new Uint8Array(await (await session.exportStateBlob()).arrayBuffer());
    const imported = await engine.importState(bytes);
    await imported.prefill('a');
    await session.prefill('a');
    expect(await imported.logits()).toEqual(await session.logits());
    await engine.dispose();
  });

  test('the untouched file still imports and continues like the original', async () => {
    const { engine, session, bytes } = await exported('abc');
    const imported = await engine.importState(bytes);
    const options = { maxTokens: 4, temperature: 0 };
    expect(await collect(imported.generate(options))).toEqual(await collect(session.generate(options)));
    await engine.dispose();
  });

  test('a corrupt prefix-cache entry is a miss: the prefix is read again', async () => {
    const database = 'state-file-contents-prefix';
    const { engine, bytes } = await exported('sys', database);
    const corrupt = decodeStateFile(bytes);
    await checkpointStore(database).savePrefix({
      ...corrupt,
      state: { ...corrupt.state, data: corrupt.state.data.subarray(1) },
    });
    const session = await engine.createSession({ prefix: 'sys' });
    const fresh = await engine.createSession();
    await fresh.prefill('sys');
    expect(await session.logits()).toEqual(await fresh.logits());
    await engine.dispose();
  });
});
