/**
 * The engine option `maxSessions`: an engine holds at most that many sessions at once (the CPU backend as the GPU's
 * state slots do); one more is refused with an RwkvError that says what to do, and disposing a session frees its
 * place. A value that is not a positive integer is refused when the engine is created.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { RwkvError } from '../../src/errors.js';
import { cpuEngine, tinyModel } from './helpers.js';

const model = tinyModel('5.2');
let engine: Engine;

beforeAll(async () => {
  engine = await cpuEngine(model, { maxSessions: 2 });
});
afterAll(() => engine.dispose());

describe('maxSessions', () => {
  test('a third session is refused until one of two is disposed', async () => {
    const first = await engine.createSession();
    const second = await engine.createSession();
    const refused = engine.createSession();
    await expect(refused).rejects.toBeInstanceOf(RwkvError);
    await expect(refused).rejects.toThrow(/All 2 session slots are in use/);
    await first.dispose();
    const third = await engine.createSession();
    await third.prefill('ok');
    await second.dispose();
    await third.dispose();
  });

  test.each([0, 1.5, -3])('maxSessions %s is refused at creation', async (maxSessions) => {
    await expect(cpuEngine(model, { maxSessions })).rejects.toThrow(/maxSessions must be a positive integer/);
  });
});
