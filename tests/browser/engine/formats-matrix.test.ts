/**
 * Every model format in the browser (docs/formats.md's matrix): one tiny RWKV-7 (2 layers × 32 channels) written as
 * rwkv.cpp `.bin`, `.pth`, safetensors, an fla (Hugging Face) safetensors file, an fla folder of 2 shards + index,
 * GGUF and a GGUF split in 2 parts, plus a LoRA adapter on the safetensors base and a state-tuning file. Each is
 * loaded by URL (served by the test server, Range requests honoured, through the model store) and as Files (imported
 * into the store) on the CPU backend, and `.pth`, the shards and the split GGUF by URL on WebGPU too (the reading is
 * the same for both backends; each WebGPU engine compiles its pipelines, seconds on SwiftShader, so only these — the
 * other formats run on WebGPU in gguf-webgpu, hub-lora and state-tuning). Every load must give the reference
 * backend's logits on the same values from bytes (the `.bin`, the merged checkpoint, the state loaded from bytes)
 * within 1e-4 on the CPU and 1e-3 on WebGPU, at 3 positions.
 */
import { expect, test } from 'vitest';
import { createEngine } from '../../../src/engine/engine.js';
import type { EngineOptions } from '../../../src/engine/engine.js';
import { modelBytes, tinyModel } from '../../engine/helpers.js';
import { timeStateTensors } from '../../helpers/state-tuning-files.js';
import { ggufOf, matricesAs, writeGguf, writeSplitGguf } from '../../helpers/write-gguf.js';
import { hubTensors } from '../../helpers/write-hub.js';
import { loraPair, mergedDirectly } from '../../helpers/write-lora.js';
import { officialTensors, writePth } from '../../helpers/write-pth.js';
import { writeSafetensors } from '../../helpers/write-safetensors.js';
import { writeShards } from '../../helpers/write-shards.js';
import { serveBytes } from '../server/client.js';

const model = tinyModel('7', 33);
const official = officialTensors(model);
const adapter = loraPair(
  official.find(({ name }) => name === 'blocks.0.ffn.key.weight')!,
  4,
  8,
);
const shards = writeShards(hubTensors(official, '7'), 2);
const split = writeSplitGguf(ggufOf(model, matricesAs('F32')), 2);
const state = writeSafetensors(timeStateTensors(model.spec, 4));
const TOKENS = [0x22, 0x69, 0x6e];
const TOLERANCE = { webgpu: 1e-3, cpu: 1e-4 } as const;

interface Case {
  format: string;
  files: { name: string; bytes: Uint8Array }[];
  /** The same values from bytes (on the reference backend). */
  expected: Uint8Array;
  lora?: { name: string; bytes: Uint8Array };
  state?: boolean;
  /** Also by URL on WebGPU (a few formats: each WebGPU engine compiles its pipelines, seconds on SwiftShader). */
  webgpu?: boolean;
}

const single = (format: string, name: string, bytes: Uint8Array, extra: Partial<Case> = {}): Case => ({
  format,
  files: [{ name, bytes }],
  expected: modelBytes(model),
  ...extra,
});

const CASES: Case[] = [
  single('.bin', 'm.bin', modelBytes(model)),
  single('.pth', 'm.pth', writePth(official), { webgpu: true }),
  single('safetensors', 'm.safetensors', writeSafetensors(official)),
  single('fla safetensors', 'model.safetensors', writeSafetensors(hubTensors(official, '7'))),
  {
    format: 'fla shards + index',
    files: [{ name: 'model.safetensors.index.json', bytes: new TextEncoder().encode(shards.index) }, ...shards.files],
    expected: modelBytes(model),
    webgpu: true,
  },
  single('GGUF', 'm.gguf', writeGguf(ggufOf(model, matricesAs('F32')))),
  {
    format: 'split GGUF',
    files: split.map((bytes, i) => ({ name: `m-0000${i + 1}-of-00002.gguf`, bytes })),
    expected: modelBytes(model),
    webgpu: true,
  },
  single('LoRA adapter', 'base.safetensors', writeSafetensors(official), {
    lora: { name: 'adapter.safetensors', bytes: writeSafetensors(adapter) },
    expected: writeSafetensors(mergedDirectly(official, [{ tensors: adapter }])),
  }),
  single('state-tuning file', 'm.bin', modelBytes(model), { state: true }),
];

async function logitsOf(options: EngineOptions, stateFile?: EngineOptions['model']): Promise<Float32Array> {
  const engine = await createEngine({ worker: false, tokenizer: 'bytes', ...options });
  if (stateFile !== undefined) await engine.loadState(stateFile as string | Blob | Uint8Array, { name: 'tuned' });
  const session = await engine.createSession(stateFile === undefined ? {} : { state: 'tuned' });
  const rows = new Float32Array(TOKENS.length * engine.info.nVocab);
  for (const [i, token] of TOKENS.entries()) {
    await session.prefill([token]);
    rows.set(await session.logits(), i * engine.info.nVocab);
  }
  await engine.dispose();
  return rows;
}

const maxAbs = (a: Float32Array, b: Float32Array) => a.reduce((worst, v, i) => Math.max(worst, Math.abs(v - b[i])), 0);

const expectedLogits = new Map<Uint8Array, Promise<Float32Array>>();

/** The reference backend's logits on the same values from bytes (computed once per distinct file). */
function expectedOf(testCase: Case): Promise<Float32Array> {
  let logits = expectedLogits.get(testCase.expected);
  if (logits === undefined) {
    logits = logitsOf({ model: testCase.expected, backend: 'reference' }, testCase.state ? state : undefined);
    expectedLogits.set(testCase.expected, logits);
  }
  return logits;
}

test.each(CASES.map((testCase, n) => [testCase.format, n] as const))(
  '%s: by URL and as Files, the logits of the same values',
  async (format, n) => {
    const testCase = CASES[n];
    const expected = await expectedOf(testCase);
    const serve = ({ name, bytes }: { name: string; bytes: Uint8Array }) => serveBytes(`matrix-${n}/${name}`, bytes);
    const asFile = ({ name, bytes }: { name: string; bytes: Uint8Array }) =>
      new File([bytes as Uint8Array<ArrayBuffer>], name);
    const urls = await Promise.all(testCase.files.map(serve));
    const files = testCase.files.map(asFile);
    const stateFile = { name: 'state.safetensors', bytes: state };
    const byUrl = {
      input: 'URL',
      model: urls.length === 1 ? urls[0] : urls,
      adapter: testCase.lora && (await serve(testCase.lora)),
      state: testCase.state ? await serve(stateFile) : undefined,
    };
    const asFiles = {
      input: 'File',
      model: files.length === 1 ? files[0] : files,
      adapter: testCase.lora && asFile(testCase.lora),
      state: testCase.state ? asFile(stateFile) : undefined,
    };
    const runs: ((typeof byUrl | typeof asFiles) & { backend: keyof typeof TOLERANCE })[] = [
      { ...byUrl, backend: 'cpu' },
      { ...asFiles, backend: 'cpu' },
      ...(testCase.webgpu ? [{ ...byUrl, backend: 'webgpu' as const }] : []),
    ];
    for (const run of runs) {
      const start = performance.now();
      const lora = run.adapter === undefined ? undefined : [{ adapter: run.adapter }];
      const logits = await logitsOf({ model: run.model, backend: run.backend, lora }, run.state);
      const difference = maxAbs(logits, expected);
      const ms = (performance.now() - start).toFixed(0);
      console.log(`${format} by ${run.input} on ${run.backend}: max-abs ${difference.toExponential(2)} (${ms} ms)`);
      expect(difference, `${format} by ${run.input} on ${run.backend}`).toBeLessThanOrEqual(TOLERANCE[run.backend]);
    }
  },
);
