/**
 * Shared pieces of the loading browser tests: synthetic model files served by the test server, raw access to the
 * default model store's records (to corrupt a chunk or read a manifest), the CPU oracle's logits, engine logits, and
 * a probe that samples the heap of the engine's Web Worker through the Chrome DevTools Protocol.
 */
import { createStore, get, set } from 'idb-keyval';
import { cdp } from 'vitest/browser';
import type { Engine } from '../../../src/engine/engine.js';
import { roundToF16 } from '../../../src/gpu/matrix-layout.js';
import type { CanonicalModel } from '../../../src/model/spec.js';
import type { SyntheticModelOptions } from '../../../src/generations/synthetic.js';
import { createSyntheticModel } from '../../../src/generations/synthetic.js';
import { models } from '../../../src/storage/index.js';
import type { ModelManifest } from '../../../src/storage/manifest.js';
import { bytesOf, Oracle } from '../../engine/helpers.js';
import { uniqueName } from '../storage/helpers.js';

export { uniqueName };

/** A byte-level v7 model of about 240 KB: several store chunks of 16 KiB, milliseconds per token on the CPU. */
export const SMALL_MODEL: SyntheticModelOptions = {
  generation: '7',
  nLayer: 2,
  nEmbed: 64,
  headSize: 16,
  nFfn: 128,
  nVocab: 256,
  lora: { decay: 8, iclr: 8, valueResidual: 8, gate: 8 },
  seed: 11,
};

export const PROMPT = 'The store keeps';

/** The oracle's logits after `prompt`, from the synthetic model's own f32 tensors (an FP32 file holds them exactly). */
export function oracleLogits(options: SyntheticModelOptions, prompt = PROMPT): Float32Array {
  return new Oracle(createSyntheticModel(options)).feed(bytesOf(prompt));
}

/** The synthetic model as an FP16 file holds it: every matrix rounded to f16, the vectors exact. */
export function asStoredInF16(model: CanonicalModel): CanonicalModel {
  const tensors = new Map(model.tensors);
  for (const [name, tensor] of tensors) {
    if (tensor.shape.length === 2) tensors.set(name, { ...tensor, data: roundToF16(tensor.data) });
  }
  return { spec: model.spec, tensors };
}

/** The logits of a fresh session of `engine` after `prompt`. */
export async function engineLogits(engine: Engine, prompt = PROMPT): Promise<Float32Array> {
  const session = await engine.createSession();
  await session.prefill(prompt);
  const logits = await session.logits();
  await session.dispose();
  return logits;
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** Records of the default model store (database 'rwkv-webgpu-models'), bypassing it (src/storage/database.ts keys). */
const raw = createStore('rwkv-webgpu-models', 'models');

export const rawStore = {
  manifest: (id: string) => get<ModelManifest>(['manifest', id], raw),
  chunk: (id: string, index: number) => get<ArrayBuffer>(['chunk', id, index], raw),
  setChunk: (id: string, index: number, bytes: ArrayBuffer) => set(['chunk', id, index], bytes, raw),
};

/** Removes models from the default store (tests leave nothing behind). */
export async function deleteModels(...ids: string[]): Promise<void> {
  for (const id of ids) await models.delete(id);
}

export interface HeapSample {
  /** Milliseconds since the probe attached to the worker. */
  at: number;
  /** V8 heap in use (JS objects), bytes. */
  usedSize: number;
  /** ArrayBuffer backing stores (outside the V8 heap, where model bytes live), bytes. */
  backingStorageSize: number;
}

/** A worker busy with one run of a tensor answers well within this. */
const COMMAND_TIMEOUT_MS = 5_000;

interface DevToolsMessage {
  id?: number;
  result?: unknown;
  error?: { message: string };
}

/**
 * Samples `Runtime.getHeapUsage` of the next dedicated worker the page starts (the engine's), about every
 * `intervalMs`, until `stop()`. The worker is reached through auto-attach on the page's DevTools session (the
 * non-flat protocol: commands travel in `Target.sendMessageToTarget`). `Performance.getMetrics` does not exist in a
 * worker, and `usedSize` alone would miss ArrayBuffers, so every sample has both the V8 heap and the backing stores.
 */
export class WorkerHeapProbe {
  readonly samples: HeapSample[] = [];
  /** Commands the worker did not answer in time (it was busy, or gone). */
  unanswered = 0;
  private readonly detached = new Set<string>();
  private readonly session = cdp();
  private readonly pending = new Map<number, (message: DevToolsMessage) => void>();
  private nextId = 1;
  private intervalMs = 20;
  private collectGarbage = false;
  private stopped = false;
  private sampling: Promise<void> | undefined;
  /** Targets that existed before `attach` (a worker of an engine disposed just before may still be there). */
  private readonly earlier = new Set<string>();
  private readonly onAttached = (event: { sessionId: string; targetInfo: { type: string; targetId: string } }) => {
    const { type, targetId } = event.targetInfo;
    if (type === 'worker' && !this.earlier.has(targetId) && this.sampling === undefined) {
      this.sampling = this.sample(event.sessionId);
    }
  };
  private readonly onDetached = (event: { sessionId: string }) => void this.detached.add(event.sessionId);
  private readonly onMessage = (event: { message: string }) => {
    const message = JSON.parse(event.message) as DevToolsMessage;
    if (message.id !== undefined) this.pending.get(message.id)?.(message);
  };

  /**
   * Starts watching for the worker; create the engine afterwards. With `collectGarbage`, every sample follows a full
   * garbage collection in the worker, so that it measures what the loader keeps alive rather than garbage V8 has
   * not collected yet (this slows the load: time it without).
   */
  async attach(options: { intervalMs?: number; collectGarbage?: boolean } = {}): Promise<void> {
    this.intervalMs = options.intervalMs ?? 20;
    this.collectGarbage = options.collectGarbage ?? false;
    // The first command opens the DevTools session; listeners added before it would miss events.
    const { targetInfos } = await this.session.send('Target.getTargets');
    for (const { targetId } of targetInfos) this.earlier.add(targetId);
    this.session.on('Target.attachedToTarget', this.onAttached);
    this.session.on('Target.receivedMessageFromTarget', this.onMessage);
    this.session.on('Target.detachedFromTarget', this.onDetached);
    await this.session.send('Target.setAutoAttach', {
      autoAttach: true,
      waitForDebuggerOnStart: false,
      flatten: false,
    });
  }

  /** Stops sampling and detaches; the samples stay. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.sampling;
    await this.session.send('Target.setAutoAttach', { autoAttach: false, waitForDebuggerOnStart: false });
    this.session.off('Target.attachedToTarget', this.onAttached);
    this.session.off('Target.receivedMessageFromTarget', this.onMessage);
    this.session.off('Target.detachedFromTarget', this.onDetached);
  }

  /** The sample with the most memory (V8 heap plus ArrayBuffers). */
  peak(): HeapSample {
    if (this.samples.length === 0) throw new Error('no heap sample was taken: the engine worker was not reached');
    return this.samples.reduce((best, sample) => (total(sample) > total(best) ? sample : best));
  }

  private async sample(sessionId: string): Promise<void> {
    const started = performance.now();
    while (!this.stopped && !this.detached.has(sessionId)) {
      if (this.collectGarbage) await this.command(sessionId, 'HeapProfiler.collectGarbage');
      const usage = (await this.command(sessionId, 'Runtime.getHeapUsage')) as Omit<HeapSample, 'at'> | undefined;
      if (usage === undefined) this.unanswered += 1;
      else this.samples.push({ at: performance.now() - started, ...usage });
      await new Promise((resolve) => setTimeout(resolve, this.intervalMs));
    }
  }

  /** A command to the worker; undefined when the worker is gone (no answer within COMMAND_TIMEOUT_MS). */
  private command(sessionId: string, method: string): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const settle = (result: unknown) => {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(result);
      };
      const timer = setTimeout(() => settle(undefined), COMMAND_TIMEOUT_MS);
      this.pending.set(id, (message) => settle(message.error ? undefined : message.result));
      const message = JSON.stringify({ id, method });
      this.session.send('Target.sendMessageToTarget', { sessionId, message }).catch(() => settle(undefined));
    });
  }
}

/** A sample's V8 heap plus ArrayBuffer bytes. */
export function total(sample: HeapSample): number {
  return sample.usedSize + sample.backingStorageSize;
}

export const MIB = 1024 * 1024;
