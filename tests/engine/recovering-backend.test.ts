/**
 * RecoveringBackend (src/backend/recovering.ts) over CPU backends that can be "lost": once lost, every call of the
 * backend fails with DeviceLostError and its `lost` promise resolves — what a WebGPU backend does when its device
 * goes. The CPU's arithmetic is deterministic, so a restored state must give exactly the logits of a backend that
 * was never lost: after a loss between calls (restored from the CPU copy and the steps since), after a loss in the
 * middle of a call (which runs again), and after several. When the model cannot be opened again, every pending and
 * later call fails with that error; disposing ends the calls that wait for a recovery. The browser test (tests/browser/engine/device-loss.test.ts) does the same with
 * real GPU devices.
 */
import { describe, expect, test } from 'vitest';
import type { InferenceBackend } from '../../src/backend/backend.js';
import { CpuBackend } from '../../src/backend/cpu.js';
import { RecoveringBackend } from '../../src/backend/recovering.js';
import type { RecoveryEvent } from '../../src/backend/recovering.js';
import { AbortError, DeviceLostError } from '../../src/errors.js';
import { tinyModel } from './helpers.js';

const MODEL = tinyModel('7', 3);
const PROMPT = Uint32Array.from([72, 101, 108, 108, 111]);
const DECODED = [32, 119, 111, 114, 108, 100, 33, 10, 65, 66, 67];

interface Losable {
  backend: InferenceBackend;
  /** Loses the device now: `lost` resolves, every later call fails. */
  lose(): void;
  /** Loses the device in the middle of the next decode (it fails instead of returning). */
  loseDuringNextDecode(): void;
}

function losableCpu(): Losable {
  const cpu = new CpuBackend(MODEL, 16);
  let isLost = false;
  let loseOnDecode = false;
  let resolveLost: (error: DeviceLostError) => void = () => undefined;
  const lost = new Promise<DeviceLostError>((resolve) => (resolveLost = resolve));
  const lose = () => {
    isLost = true;
    resolveLost(new DeviceLostError('The GPU device was lost because of: a test.'));
  };
  const backend = new Proxy(cpu, {
    get(target, property, receiver) {
      if (property === 'lost') return lost;
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || property === 'dispose' || property === 'freeState') return value;
      return async (...args: unknown[]) => {
        if (property === 'decode' && loseOnDecode) lose();
        if (isLost) throw new DeviceLostError('The GPU device was lost because of: a test.');
        return (value as (...params: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as InferenceBackend;
  return { backend, lose, loseDuringNextDecode: () => (loseOnDecode = true) };
}

/** The logits after the prompt, each decoded token, and then the prompt again, on `backend`. */
async function run(
  backend: InferenceBackend,
  between: (step: number) => void | Promise<void>,
): Promise<Float32Array[]> {
  const handle = await backend.allocateState();
  const logits = [await backend.prefill(handle, PROMPT)];
  for (const [step, token] of DECODED.entries()) {
    await between(step);
    logits.push((await backend.decode([handle], Uint32Array.of(token)))[0].slice());
  }
  logits.push(await backend.prefill(handle, PROMPT));
  return logits;
}

function recovering(snapshotInterval: number) {
  const opened: Losable[] = [losableCpu()];
  const events: RecoveryEvent[] = [];
  const backend = new RecoveringBackend(opened[0].backend, {
    reopen: async () => {
      opened.push(losableCpu());
      return opened[opened.length - 1].backend;
    },
    onEvent: (event) => events.push(event),
    snapshotInterval,
  });
  return { backend, events, latest: () => opened[opened.length - 1] };
}

describe('RecoveringBackend over CPU backends that lose their device', () => {
  test('losses between calls and in the middle of calls: exactly the logits of a backend never lost', async () => {
    const expected = await run(new CpuBackend(MODEL, 16), () => undefined);
    const { backend, events, latest } = recovering(4);
    const logits = await run(backend, async (step) => {
      if (step === 2) latest().lose(); // steps since the copy replayed (fewer than 4)
      if (step === 6) latest().loseDuringNextDecode(); // the copy refreshed after 4 steps, then the replay
      if (step === 9) {
        latest().lose();
        await new Promise((resolve) => setTimeout(resolve, 0)); // recovered while idle
      }
    });
    expect(logits).toEqual(expected);
    expect(events.map((event) => event.phase)).toEqual([
      'device-lost',
      'recovered',
      'device-lost',
      'recovered',
      'device-lost',
      'recovered',
    ]);
  });

  test('forked and written states are restored too', async () => {
    const reference = new CpuBackend(MODEL, 16);
    const { backend, latest } = recovering(3);
    const [source, copy] = [await backend.allocateState(), await backend.allocateState()];
    await backend.prefill(source, PROMPT);
    await backend.copyState(source, copy);
    const state = await reference.allocateState();
    await reference.prefill(state, PROMPT.subarray(0, 2));
    const target = await backend.allocateState();
    await backend.writeState(target, await reference.readState(state));
    latest().lose();
    const after = await backend.decode([source, copy, target], Uint32Array.of(1, 1, 1));
    expect(after[1]).toEqual(after[0]);
    expect(after[2]).toEqual((await reference.decode([state], Uint32Array.of(1)))[0]);
  });

  test('disposing during a recovery ends the calls waiting for it at once', async () => {
    const first = losableCpu();
    const backend = new RecoveringBackend(first.backend, {
      reopen: () => new Promise<never>(() => undefined), // a reload that never ends
      onEvent: () => undefined,
    });
    const handle = await backend.allocateState();
    first.lose();
    const waiting = backend.prefill(handle, PROMPT);
    backend.dispose();
    await expect(waiting).rejects.toThrow(AbortError);
    await expect(backend.allocateState()).rejects.toThrow(AbortError);
  });

  test('when the model cannot be opened again, every pending and later call fails with that error', async () => {
    const first = losableCpu();
    const failure = new DeviceLostError('no GPU adapter is available any more');
    const backend = new RecoveringBackend(first.backend, {
      reopen: () => Promise.reject(failure),
      onEvent: () => undefined,
    });
    const handle = await backend.allocateState();
    first.loseDuringNextDecode();
    await expect(backend.decode([handle], Uint32Array.of(1))).rejects.toBe(failure);
    await expect(backend.prefill(handle, PROMPT)).rejects.toBe(failure);
    await expect(backend.allocateState()).rejects.toBe(failure);
  });
});
