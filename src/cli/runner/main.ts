/**
 * The CLI's runner page: loaded by `rwkv-webgpu` in headless Chromium, it exposes `window.rwkvRunner` (see
 * runner-api.ts) so that Node can run models and the benchmark on the browser's WebGPU.
 */
import { runBench } from '../../bench/run-bench.js';
import { openModelStream } from '../../formats/load.js';
import { requestGpuDevice } from '../../gpu/device.js';
import type { GpuContext } from '../../gpu/device.js';
import { createGpuModelFromWeights } from '../../runtime/model.js';
import { uploadModelStream } from '../../runtime/weights.js';
import type { GpuModel } from '../../runtime/model.js';
import { runGeneration } from '../generate-run.js';
import { openHttpFile } from '../../storage/http-file.js';
import { openAdapters } from '../../worker/lora-adapters.js';
import { openModelFiles } from '../../worker/model-files.js';
import { openUnstored } from '../../worker/model-source.js';
import { float32ToBase64 } from './runner-api.js';
import type { RunnerApi, RunnerModel } from './runner-api.js';

let loaded: { gpu: GpuContext; model: GpuModel } | undefined;

const api: RunnerApi = {
  async adapter() {
    const adapter = await navigator.gpu?.requestAdapter();
    if (!adapter) return null;
    const { vendor, architecture, description } = adapter.info;
    return { vendor, architecture, description, features: [...adapter.features] };
  },

  async loadModel(runnerModel, maxChunk, quantize) {
    const gpu = await requestGpuDevice();
    const { files, lora } = absolute(runnerModel);
    const source =
      typeof files === 'string'
        ? await openHttpFile(files)
        : (await openModelFiles(files, undefined, undefined, openUnstored)).source;
    const adapters = await openAdapters(
      lora.map(({ url, ...settings }) => ({ adapter: url, ...settings })),
      undefined,
      undefined,
      openUnstored,
    );
    const stream = await openModelStream(source, { adapters: adapters.files });
    const { spec, weights } = await uploadModelStream(gpu.device, stream, { quantization: { quantize } });
    const model = await createGpuModelFromWeights(gpu, spec, weights, { maxChunk, maxSessions: 1, maxBatch: 1 });
    loaded = { gpu, model };
    return { nVocab: model.spec.nVocab };
  },

  async allLogits(tokens, chunk) {
    if (!loaded) throw new Error('rwkvRunner.loadModel must be called first');
    const { model } = loaded;
    const session = model.allocateSlot();
    const out = new Float32Array(tokens.length * model.spec.nVocab);
    for (let start = 0; start < tokens.length; start += chunk) {
      const part = tokens.slice(start, start + chunk);
      out.set(await model.prefill(session, part, { allLogits: true }), start * model.spec.nVocab);
    }
    model.freeSlot(session);
    return float32ToBase64(out);
  },

  bench: (options) => runBench(options, (line) => console.log(`bench: ${line}`)),

  generate: ({ vocabUrl, stateUrl, model, ...run }) => {
    const { files, lora } = absolute(model);
    return runGeneration(
      {
        ...run,
        model: files,
        lora: lora.map(({ url, ...settings }) => ({ adapter: url, ...settings })),
        vocab: vocabUrl && new URL(vocabUrl, location.href).href,
        state: stateUrl && new URL(stateUrl, location.href).href,
      },
      (text) => void window.rwkvEmit?.(text),
      (message) => console.warn(message),
    );
  },
};

/** The model's URL paths made absolute against the page. */
function absolute({ files, lora }: RunnerModel): RunnerModel {
  const url = (path: string) => new URL(path, location.href).href;
  return {
    files: typeof files === 'string' ? url(files) : files.map(url),
    lora: lora.map((adapter) => ({ ...adapter, url: url(adapter.url) })),
  };
}

window.rwkvRunner = api;
