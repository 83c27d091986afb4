/**
 * GPU device loss in headless Chromium (WebGPU): generations survive the loss of the engine's device in their middle
 * and go on with exactly the tokens — and end with exactly the logits — of an uninterrupted run (two sessions, so
 * that batched decodes are replayed too; two losses, the second after the CPU copies were refreshed). With no
 * adapter left, `fallback: 'cpu'` continues on the CPU, and without it every pending and later call fails with
 * DeviceLostError instead of hanging. A model from a URL is loaded again from the IndexedDB model store, with no
 * request; once deleted from the store, calls fail with a DeviceLostError that says to load the model again.
 *
 * The engine runs in this thread (`worker: false`), and the test reaches its GPUDevice the way any page script could:
 * it records the devices that GPUAdapter.requestDevice hands out, then calls `destroy()` on the engine's — the
 * library has no hook for it. Making a device unavailable afterwards: navigator.gpu.requestAdapter answers null.
 */
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { createEngine } from '../../../src/engine/engine.js';
import type { Engine, EngineOptions } from '../../../src/engine/engine.js';
import type { Session } from '../../../src/engine/session.js';
import type { EngineEvent, GenerateOptions, GeneratedToken } from '../../../src/protocol/types.js';
import { DeviceLostError } from '../../../src/errors.js';
import { models } from '../../../src/storage/index.js';
import { cpuEngine, modelBytes, tinyModel } from '../../engine/helpers.js';
import { SMALL_MODEL, uniqueName } from '../loading/helpers.js';
import { serveModel } from '../server/client.js';

const MODEL = tinyModel('7', 21);
const JOBS: [string, GenerateOptions][] = [
  ['The river', { seed: 3, maxTokens: 90 }],
  ['Once upon', { temperature: 0, maxTokens: 90 }],
];

const devices: GPUDevice[] = [];
const requestDevice = GPUAdapter.prototype.requestDevice;
const requestAdapter = GPU.prototype.requestAdapter;
let adapterGone = false;

beforeAll(() => {
  GPUAdapter.prototype.requestDevice = async function (this: GPUAdapter, descriptor?: GPUDeviceDescriptor) {
    const device = await requestDevice.call(this, descriptor);
    devices.push(device);
    return device;
  };
  GPU.prototype.requestAdapter = async function (this: GPU, options?: GPURequestAdapterOptions) {
    return adapterGone ? null : requestAdapter.call(this, options);
  };
});

afterAll(() => {
  GPUAdapter.prototype.requestDevice = requestDevice;
  GPU.prototype.requestAdapter = requestAdapter;
});

afterEach(() => {
  adapterGone = false;
});

interface Run {
  tokens: number[];
  logits: Float32Array;
}

async function gpuEngine(events: EngineEvent[], options: Partial<EngineOptions> = {}): Promise<Engine> {
  const engine = await createEngine({
    model: modelBytes(MODEL),
    backend: 'webgpu',
    worker: false,
    onProgress: (event) => events.push(event),
    ...options,
  });
  expect(engine.info.backend).toBe('webgpu');
  return engine;
}

/** Runs every job's generation at once; `onToken(n)` is called after the first session's n-th token is read. */
async function runJobs(engine: Engine, onToken: (count: number) => void = () => undefined): Promise<Run[]> {
  const sessions: Session[] = [];
  for (const [prompt] of JOBS) {
    const session = await engine.createSession();
    await session.prefill(prompt);
    sessions.push(session);
  }
  return Promise.all(
    sessions.map(async (session, i) => {
      const tokens: GeneratedToken[] = [];
      for await (const token of session.generate(JOBS[i][1])) {
        tokens.push(token);
        if (i === 0) onToken(tokens.length);
      }
      const logits = await session.logits();
      await session.dispose();
      return { tokens: tokens.map((t) => t.token), logits };
    }),
  );
}

/** Starts the first job's generation; after its third token, no adapter is left and the device is destroyed. */
async function generateLosingTheGpu(
  engine: Engine,
): Promise<{ session: Session; tokens: number[]; generating: Promise<void> }> {
  const [prompt, options] = JOBS[0];
  const session = await engine.createSession();
  await session.prefill(prompt);
  const tokens: number[] = [];
  const generating = (async () => {
    for await (const { token } of session.generate(options)) {
      tokens.push(token);
      if (tokens.length === 3) {
        adapterGone = true;
        devices[devices.length - 1].destroy();
      }
    }
  })();
  return { session, tokens, generating };
}

function lostAndRecovered(events: EngineEvent[]): EngineEvent[] {
  return events.filter((event) => event.phase === 'device-lost' || event.phase === 'recovered');
}

test('generations survive device losses in their middle: same tokens, same next logits as without', async () => {
  const events: EngineEvent[] = [];
  const engine = await gpuEngine(events);
  try {
    const uninterrupted = await runJobs(engine);
    const device = () => devices[devices.length - 1];
    const first = device();
    let second: GPUDevice | undefined;
    const interrupted = await runJobs(engine, (count) => {
      if (count === 3) first.destroy();
      if (count === 70 && device() !== first) {
        second = device();
        second.destroy();
      }
    });
    expect(second).toBeDefined();
    expect(interrupted).toEqual(uninterrupted);
    const recovery = lostAndRecovered(events);
    expect(recovery.map((event) => event.phase)).toEqual(['device-lost', 'recovered', 'device-lost', 'recovered']);
    expect(recovery[0]).toMatchObject({ reason: expect.stringContaining('destroyed') });
    for (const event of recovery)
      if (event.phase === 'recovered') console.log(`recovered in ${event.ms.toFixed(0)} ms`);
  } finally {
    await engine.dispose();
  }
});

test("no adapter left: fallback 'cpu' continues on the CPU from the exact state, with a warning", async () => {
  const events: EngineEvent[] = [];
  const engine = await gpuEngine(events, { fallback: 'cpu' });
  const cpu = await cpuEngine(MODEL);
  try {
    const [prompt, options] = JOBS[0];
    const { session, tokens, generating } = await generateLosingTheGpu(engine);
    await generating;
    expect(tokens).toHaveLength(options.maxTokens!);
    expect(events).toContainEqual(expect.objectContaining({ phase: 'warning', code: 'cpu-fallback' }));
    expect(lostAndRecovered(events).map((event) => event.phase)).toEqual(['device-lost', 'recovered']);
    // The same tokens fed to a CPU engine from the start: the state carried over from the GPU is the same state.
    const reference = await cpu.createSession();
    await reference.prefill(prompt);
    await reference.prefill(tokens);
    const [ours, theirs] = [await session.logits(), await reference.logits()];
    let worst = 0;
    for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i] - theirs[i]));
    expect(worst).toBeLessThan(1e-4);
  } finally {
    await Promise.all([engine.dispose(), cpu.dispose()]);
  }
});

test('no adapter left and no fallback: the generation and every later call fail with DeviceLostError', async () => {
  const events: EngineEvent[] = [];
  const engine = await gpuEngine(events);
  try {
    const options = JOBS[0][1];
    const { session, tokens, generating } = await generateLosingTheGpu(engine);
    await expect(generating).rejects.toThrow(DeviceLostError);
    await expect(generating).rejects.toThrow(/no GPU adapter is available any more.*fallback: 'cpu'/);
    expect(tokens.length).toBeLessThan(options.maxTokens!);
    await expect(session.logits()).rejects.toThrow(DeviceLostError);
    await expect(engine.createSession()).rejects.toThrow(DeviceLostError);
    expect(lostAndRecovered(events).map((event) => event.phase)).toEqual(['device-lost']);
  } finally {
    await engine.dispose();
  }
});

test('a stored model is loaded again from IndexedDB (no request); once deleted, calls fail saying to reload', async () => {
  const served = await serveModel(uniqueName('device-loss'), { model: SMALL_MODEL, dataType: 'f32' });
  const events: EngineEvent[] = [];
  const engine = await gpuEngine(events, { model: served.url });
  try {
    const session = await engine.createSession();
    await session.prefill('The store keeps');
    devices[devices.length - 1].destroy();
    await expect.poll(() => events.some((event) => event.phase === 'recovered'), { timeout: 120_000 }).toBe(true);
    await session.prefill(' going');
    const reference = await engine.createSession();
    await reference.prefill('The store keeps');
    await reference.prefill(' going');
    expect(await session.logits()).toEqual(await reference.logits());
    expect(await served.log()).toHaveLength(1);

    await models.delete(models.idForUrl(served.url));
    devices[devices.length - 1].destroy();
    await expect(session.prefill(' on')).rejects.toThrow(/could not be read again.*load the model again/);
    await expect(engine.createSession()).rejects.toThrow(DeviceLostError);
    expect(await served.log()).toHaveLength(1);
  } finally {
    await engine.dispose();
    await models.delete(models.idForUrl(served.url));
  }
});
