/**
 * The benchmark, run in a browser page on whatever adapter it gets: the read-bandwidth probe, then for each
 * synthetic RWKV-7 shape and each weight format (f16, q8, q4 quantized at load; seeded, uploaded tensor by tensor)
 * decode tokens/s at batch 1 after warm-up, prefill tokens/s for one long prompt, and aggregate decode tokens/s with
 * a batch of sessions.
 * Timings are wall-clock around complete steps, logits readback included — what a caller sees.
 */
import { requestGpuDevice } from '../gpu/device.js';
import type { GpuContext } from '../gpu/device.js';
import { KernelRunner } from '../gpu/kernel-runner.js';
import { syntheticModelSpec, syntheticTensors } from '../generations/synthetic.js';
import type { SyntheticModelOptions } from '../generations/synthetic.js';
import { stateSize } from '../generations/state.js';
import { createGpuModel } from '../runtime/model.js';
import type { GpuModel } from '../runtime/model.js';
import { probeReadBandwidth } from './bandwidth-probe.js';
import { isSoftwareAdapter } from './software-adapter.js';
import { countSteps } from './step-counts.js';
import { BENCH_MODELS, BENCH_VOCAB, BENCH_WEIGHTS } from './report.js';
import type { BenchLoad, BenchModelShape, BenchOptions, BenchReport, BenchResult, BenchWeights } from './report.js';

function modelOptions(shape: BenchModelShape, seed: number): SyntheticModelOptions {
  return {
    generation: '7',
    nLayer: shape.nLayer,
    nEmbed: shape.nEmbed,
    headSize: 64,
    nFfn: 4 * shape.nEmbed,
    nVocab: BENCH_VOCAB,
    lora: shape.lora,
    seed,
  };
}

async function buildModel(
  gpu: GpuContext,
  options: SyntheticModelOptions,
  batch: number,
  weights: BenchWeights,
): Promise<GpuModel> {
  const quantize = weights === 'f16' ? 'none' : weights;
  return createGpuModel(
    gpu,
    { spec: syntheticModelSpec(options), tensors: syntheticTensors(options) },
    { weightType: 'f16', quantization: { quantize }, maxSessions: batch + 1, maxBatch: batch },
  );
}

function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** A deterministic token stream (the model's weights are random: which tokens matters little). */
function tokens(count: number, offset: number): number[] {
  return Array.from({ length: count }, (_, i) => (i * 7919 + offset * 104729) % BENCH_VOCAB);
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return (performance.now() - start) / 1000;
}

async function measure(
  model: GpuModel,
  options: Required<Omit<BenchOptions, 'models' | 'weights' | 'loadOnly' | 'probeOnly'>>,
  log: (line: string) => void,
): Promise<Omit<BenchResult, keyof BenchLoad | 'rooflineRatio' | 'counts'>> {
  const solo = model.allocateSlot();
  const decodeInput = tokens(options.warmupTokens + options.decodeTokens, 1);
  for (const token of decodeInput.slice(0, options.warmupTokens)) await model.decode([solo], [token]);
  const decodeSeconds = await timed(async () => {
    for (const token of decodeInput.slice(options.warmupTokens)) await model.decode([solo], [token]);
  });
  const decodeTokensPerSec = options.decodeTokens / decodeSeconds;
  log(`decode: ${decodeTokensPerSec.toFixed(2)} tok/s`);

  const prompt = model.allocateSlot();
  await model.prefill(prompt, tokens(Math.min(options.prefillTokens, model.maxChunk), 2));
  const fresh = model.allocateSlot();
  const prefillSeconds = await timed(() => model.prefill(fresh, tokens(options.prefillTokens, 3)));
  log(`prefill: ${(options.prefillTokens / prefillSeconds).toFixed(2)} tok/s`);

  for (const session of [solo, prompt, fresh]) model.freeSlot(session);
  const sessions = Array.from({ length: options.batch }, () => model.allocateSlot());
  const stepTokens = (step: number) => sessions.map((_, b) => (step * 31 + b * 997) % BENCH_VOCAB);
  for (let step = 0; step < options.warmupTokens; step++) await model.decode(sessions, stepTokens(step));
  const batchSteps = Math.max(1, Math.ceil(options.decodeTokens / 2));
  const batchSeconds = await timed(async () => {
    for (let step = 0; step < batchSteps; step++) await model.decode(sessions, stepTokens(step));
  });
  for (const session of sessions) model.freeSlot(session);
  log(`batch ${options.batch}: ${((batchSteps * options.batch) / batchSeconds).toFixed(2)} tok/s`);

  const spec = model.spec;
  const embeddingBytes = model.weightsReport.embedding.bytes;
  const bytesReadPerToken = model.weightBytes - embeddingBytes + embeddingBytes / spec.nVocab + 2 * stateSize(spec) * 4;
  return {
    bytesReadPerToken,
    decodeTokensPerSec,
    decodeGBps: (bytesReadPerToken * decodeTokensPerSec) / 1e9,
    prefillTokens: options.prefillTokens,
    prefillTokensPerSec: options.prefillTokens / prefillSeconds,
    batch8TokensPerSec: (batchSteps * options.batch) / batchSeconds,
  };
}

/** The prompt length the counts describe, whatever prompt is timed. */
const COUNTED_PROMPT_TOKENS = 512;

/** Measurement sizes: the on a real GPU; on a software adapter, small enough to finish in minutes. */
const HARDWARE_DEFAULTS = { decodeTokens: 32, warmupTokens: 4, prefillTokens: 512, batch: 8, seed: 1 };
const SOFTWARE_DEFAULTS = { decodeTokens: 4, warmupTokens: 1, prefillTokens: 32, batch: 8, seed: 1 };
/** The probe on a software adapter: 2 passes over 4 MiB (its figure is the CPU's, whatever the size). */
const SOFTWARE_PROBE = [2, 4 * 2 ** 20] as const;

export async function runBench(options: BenchOptions, log: (line: string) => void = () => {}): Promise<BenchReport> {
  const gpu = await requestGpuDevice();
  try {
    const runner = new KernelRunner(gpu.device);
    // SwiftShader and other CPU adapters: too slow for the larger shapes by default
    const software = isSoftwareAdapter(gpu.adapter);
    log('probing read bandwidth');
    const probe = await (software ? probeReadBandwidth(runner, ...SOFTWARE_PROBE) : probeReadBandwidth(runner));
    const sizes = { ...(software ? SOFTWARE_DEFAULTS : HARDWARE_DEFAULTS), ...definedOnly(options) };
    log(`${software ? 'software' : 'hardware'} adapter: ${JSON.stringify(sizes)}`);
    const names = options.probeOnly
      ? []
      : (options.models ?? (software ? ['v7-0.1b'] : BENCH_MODELS.map((shape) => shape.name)));
    const report: BenchReport = {
      adapter: {
        vendor: gpu.adapter.vendor,
        architecture: gpu.adapter.architecture,
        description: gpu.adapter.description,
        features: [...gpu.features],
        software,
      },
      probe: { readGBps: probe.readGBps },
      results: [],
      loads: [],
      skipped: BENCH_MODELS.filter((shape) => !names.includes(shape.name)).map((shape) => ({
        model: shape.name,
        reason: options.probeOnly
          ? 'probe only'
          : software
            ? 'software adapter: too slow (pass --models to force)'
            : 'not requested',
      })),
    };
    const formats = options.weights ?? BENCH_WEIGHTS;
    for (const shape of BENCH_MODELS.filter((candidate) => names.includes(candidate.name))) {
      for (const weights of formats) {
        log(`${shape.name} ${weights}: uploading synthetic weights`);
        let model: GpuModel;
        const loadStart = performance.now();
        try {
          model = await buildModel(gpu, modelOptions(shape, sizes.seed), sizes.batch, weights);
        } catch (error) {
          const reason = `does not fit this adapter: ${(error as Error).message}`;
          report.skipped.push({ model: shape.name, weights, reason });
          continue;
        }
        const load: BenchLoad = {
          model: shape.name,
          weights,
          weightBytes: model.weightBytes,
          loadSeconds: (performance.now() - loadStart) / 1000,
        };
        log(`${shape.name} ${weights}: loaded in ${load.loadSeconds.toFixed(1)} s`);
        try {
          if (options.loadOnly === true) {
            report.loads.push(load);
            continue;
          }
          log(`${shape.name} ${weights}: measuring`);
          const measured = await measure(model, sizes, (line) => log(`${shape.name} ${weights}: ${line}`));
          report.results.push({
            ...load,
            ...measured,
            rooflineRatio: measured.decodeGBps / probe.readGBps,
            counts: countSteps(model, sizes.batch, COUNTED_PROMPT_TOKENS),
          });
        } finally {
          model.dispose();
        }
      }
    }
    return report;
  } finally {
    gpu.destroy();
  }
}
