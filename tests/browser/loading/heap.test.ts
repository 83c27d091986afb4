/**
 * Streaming a model of more than 300 MB to the GPU with a bounded heap. The test server serves a synthetic v7 model
 * (vocabulary 65536, width 1024, 2 layers: an embedding and a head of 128 MiB each in f16, 321 MB in all) as an
 * rwkv.cpp FP16 `.bin`; `createEngine({ model: url })` downloads it into IndexedDB, then a second engine loads it from
 * there with no request. During both loads the engine worker's heap — the V8 heap plus ArrayBuffer backing stores,
 * where model bytes live — is sampled through the DevTools protocol (helpers.ts, WorkerHeapProbe) and the peak is
 * printed with the time of every phase. The download's peak includes garbage V8 has not collected yet (each 32 MiB
 * chunk is a new ArrayBuffer, and V8 lets tens of MiB of dead ones accumulate), so it varies from run to run; the
 * offline load samples after a full garbage collection each time, which measures what the loader keeps alive, and
 * that peak is asserted against the loader's target: 64 MiB + 2 store chunks (128 MiB), far below the file.
 * The World vocabulary comes from the fixtures.
 */
import { expect, test } from 'vitest';
import { createEngine } from '../../../src/engine/engine.js';
import type { Engine } from '../../../src/engine/engine.js';
import type { EngineEvent } from '../../../src/protocol/types.js';
import { DEFAULT_CHUNK_SIZE, models } from '../../../src/storage/index.js';
import { describeWithFixtures, fixtureUrl } from '../fixtures.js';
import type { ModelFileSetup } from '../server/protocol.js';
import { serveModel } from '../server/client.js';
import { deleteModels, engineLogits, MIB, total, uniqueName, WorkerHeapProbe } from './helpers.js';
import type { HeapSample } from './helpers.js';

const BIG_MODEL: ModelFileSetup = {
  model: { generation: '7', nLayer: 2, nEmbed: 1024, headSize: 64, nFfn: 4096, nVocab: 65536, seed: 21 },
  dataType: 'f16',
};
const HEAP_BOUND = 64 * MIB + 2 * DEFAULT_CHUNK_SIZE;
const PROMPT = 'Streaming';

interface MeasuredLoad {
  engine: Engine;
  milliseconds: number;
  /** Milliseconds from the start of the load to the first event of each phase. */
  phaseStarts: Map<string, number>;
  peak: HeapSample;
  baseline: HeapSample;
  samples: number;
  unanswered: number;
}

async function measuredLoad(url: string, collectGarbage = false): Promise<MeasuredLoad> {
  const probe = new WorkerHeapProbe();
  await probe.attach({ collectGarbage });
  const phaseStarts = new Map<string, number>();
  const started = performance.now();
  const onProgress = (event: EngineEvent) => {
    if (!phaseStarts.has(event.phase)) phaseStarts.set(event.phase, performance.now() - started);
  };
  let engine: Engine;
  let milliseconds: number;
  try {
    engine = await createEngine({
      model: url,
      backend: 'webgpu',
      vocab: fixtureUrl('tokenizers', 'rwkv_vocab_v20230424.txt'),
      onProgress,
    });
    milliseconds = performance.now() - started;
  } finally {
    await probe.stop();
  }
  const { samples } = probe;
  return {
    engine,
    milliseconds,
    phaseStarts,
    peak: probe.peak(),
    baseline: samples[0],
    samples: samples.length,
    unanswered: probe.unanswered,
  };
}

function describeLoad(label: string, load: MeasuredLoad): string {
  const mib = (bytes: number) => `${(bytes / MIB).toFixed(1)} MiB`;
  const phases = [...load.phaseStarts].map(([phase, at]) => `${phase} @${(at / 1000).toFixed(2)} s`).join(', ');
  return [
    `${label}: ${(load.milliseconds / 1000).toFixed(2)} s (${phases})`,
    `  worker heap peak ${mib(total(load.peak))} = V8 heap ${mib(load.peak.usedSize)} + ArrayBuffers ` +
      `${mib(load.peak.backingStorageSize)} at ${(load.peak.at / 1000).toFixed(2)} s; ` +
      `at start ${mib(total(load.baseline))}; ${load.samples} samples (${load.unanswered} unanswered); ` +
      `bound ${mib(HEAP_BOUND)}`,
  ].join('\n');
}

describeWithFixtures('a 321 MB model streamed to the GPU', () => {
  test('download + load, then offline loads: the worker keeps a bounded heap alive; same logits', async () => {
    const served = await serveModel(uniqueName('big'), BIG_MODEL);
    expect(served.size).toBeGreaterThan(300e6);
    const id = models.idForUrl(served.url);
    try {
      const downloaded = await measuredLoad(served.url);
      const first = await engineLogits(downloaded.engine, PROMPT);
      await downloaded.engine.dispose();
      const requests = (await served.log()).length;

      const live = await measuredLoad(served.url, true);
      const second = await engineLogits(live.engine, PROMPT);
      await live.engine.dispose();

      console.warn(
        `\n!!! Loading a ${(served.size / 1e6).toFixed(0)} MB FP16 model (${served.size} bytes) on WebGPU ` +
          `(SwiftShader), 32 MiB store chunks:\n` +
          `${describeLoad('download + load', downloaded)}\n` +
          `${describeLoad('offline load, full GC before every sample (memory kept alive)', live)}\n`,
      );
      expect(await served.log()).toHaveLength(requests);
      expect(live.phaseStarts.has('download')).toBe(false);
      expect(second).toEqual(first);
      expect(first.every(Number.isFinite)).toBe(true);
      expect(live.peak.backingStorageSize, 'the probe sees the store chunk in use').toBeGreaterThanOrEqual(
        DEFAULT_CHUNK_SIZE,
      );
      expect(total(live.peak)).toBeLessThanOrEqual(HEAP_BOUND);
    } finally {
      await deleteModels(id);
    }
  }, 600_000);
});
