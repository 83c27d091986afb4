/**
 * `--model DIR` takes a Hugging Face model folder (shards, index, config.json) and `--model` a split GGUF (its folder,
 * or any one part by name): `logits` on the CPU matches the reference forward pass of the same weights, `generate`
 * runs from them. `--lora` merges adapters at load: the logits of the merged checkpoint written directly. With
 * `--backend webgpu` (headless Chromium; each run starts a browser, so two runs): a folder with two adapters gives
 * the merged checkpoint's reference logits within 1e-3, and generate runs from a split GGUF named by its first part.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadCanonicalModel } from '../../src/formats/load.js';
import { createReferenceModel } from '../../src/reference/model.js';
import { tinyModel } from '../engine/helpers.js';
import { ggufOf, matricesAs, writeSplitGguf } from '../helpers/write-gguf.js';
import { hubTensors } from '../helpers/write-hub.js';
import { loraPair, mergedDirectly } from '../helpers/write-lora.js';
import { officialTensors, writePth } from '../helpers/write-pth.js';
import { writeSafetensors } from '../helpers/write-safetensors.js';
import { writeShards } from '../helpers/write-shards.js';
import { maxAbsDiff, runChunked } from '../reference/helpers.js';
import { runCli } from './run-cli.js';

const workDir = mkdtempSync(join(tmpdir(), 'rwkv-cli-hub-'));
const PROMPT = 'A folder';
const promptFile = join(workDir, 'prompt.txt');
writeFileSync(promptFile, PROMPT);

const model = tinyModel('7', 92);
const folder = join(workDir, 'rwkv7-tiny-hf');
mkdirSync(folder);
const shards = writeShards(hubTensors(officialTensors(model), '7'), 2);
for (const { name, bytes } of shards.files) writeFileSync(join(folder, name), bytes);
writeFileSync(join(folder, 'model.safetensors.index.json'), shards.index);
writeFileSync(join(folder, 'config.json'), JSON.stringify({ hidden_size: 32, head_dim: 16, norm_eps: 1e-5 }));
writeFileSync(join(folder, 'README.md'), 'not a weight file');

/** `--backend cpu` is the fast CPU backend: its kernels sum in f32 lanes where the oracle sums in f64. */
const FAST_CPU_TOLERANCE = 1e-4;

describe('rwkv-webgpu --model HF_FOLDER', () => {
  test('logits --backend cpu matches the reference forward pass', () => {
    const out = join(workDir, 'cpu.logits');
    const result = runCli(['logits', '--backend', 'cpu', '--model', folder, '--input', promptFile, '--out', out]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const actual = new Float32Array(Uint8Array.from(readFileSync(out)).buffer);
    const expected = runChunked(createReferenceModel(model), [...new TextEncoder().encode(PROMPT)], 1).logits;
    expect(maxAbsDiff(actual, expected)).toBeLessThanOrEqual(FAST_CPU_TOLERANCE);
  });

  test('generate --backend cpu runs from the folder', () => {
    const result = runCli(['generate', '--backend', 'cpu', '--model', folder, '--prompt', PROMPT, '--max-tokens', '4']);
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/4 tokens/);
  });
});

describe('rwkv-webgpu --model SPLIT_GGUF', () => {
  const splitFolder = join(workDir, 'split-gguf');
  mkdirSync(splitFolder);
  const parts = writeSplitGguf(ggufOf(model, matricesAs('F32')), 3);
  parts.forEach((part, i) => writeFileSync(join(splitFolder, `tiny-0000${i + 1}-of-00003.gguf`), part));
  const firstPart = join(splitFolder, 'tiny-00001-of-00003.gguf');

  test('logits --backend cpu from the folder or any part matches the reference forward pass', () => {
    const expected = runChunked(createReferenceModel(model), [...new TextEncoder().encode(PROMPT)], 1).logits;
    for (const [i, path] of [splitFolder, firstPart, join(splitFolder, 'tiny-00003-of-00003.gguf')].entries()) {
      const out = join(workDir, `split-${i}.logits`);
      const result = runCli(['logits', '--backend', 'cpu', '--model', path, '--input', promptFile, '--out', out]);
      expect(result.stderr).toBe('');
      expect(maxAbsDiff(new Float32Array(Uint8Array.from(readFileSync(out)).buffer), expected)).toBeLessThanOrEqual(
        FAST_CPU_TOLERANCE,
      );
    }
  });

  test('a part missing is one line naming it', () => {
    const lonely = join(workDir, 'lonely-00001-of-00002.gguf');
    writeFileSync(lonely, parts[0]);
    const result = runCli(['logits', '--model', lonely, '--input', promptFile, '--out', 'x']);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toMatch(/^rwkv-webgpu: FileAccessError: .*lonely-00002-of-00002\.gguf/);
  });

  test('generate --backend webgpu runs from the first part', () => {
    const result = runCli([
      'generate',
      '--backend',
      'webgpu',
      '--model',
      firstPart,
      '--prompt',
      PROMPT,
      '--max-tokens',
      '3',
    ]);
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/generated 3 tokens/);
  }, 180_000);
});

describe('rwkv-webgpu --lora', () => {
  const base = officialTensors(model);
  const key = base.find((tensor) => tensor.name === 'blocks.0.att.key.weight')!;
  const head = base.find((tensor) => tensor.name === 'head.weight')!;
  const adapters = [
    { tensors: loraPair(key, 4, 3), alpha: 8 },
    { tensors: loraPair(head, 2, 5), weight: 0.5 },
  ];
  const baseFile = join(workDir, 'base.safetensors');
  writeFileSync(baseFile, writeSafetensors(base));
  const adapterFiles = adapters.map((adapter, i) => {
    const path = join(workDir, `adapter-${i}.pth`);
    writeFileSync(path, writePth(adapter.tensors));
    return path;
  });
  const lora = `${adapterFiles[0]}:alpha=8,${adapterFiles[1]}:weight=0.5`;

  test('logits --backend cpu with two adapters equals the merged checkpoint written directly', () => {
    const merged = join(workDir, 'merged.safetensors');
    writeFileSync(merged, writeSafetensors(mergedDirectly(base, adapters)));
    const logitsOf = (args: string[]) => {
      const out = join(workDir, `lora-${args.length}.logits`);
      const result = runCli(['logits', '--input', promptFile, '--out', out, ...args]);
      expect(result.stderr).toBe('');
      return new Float32Array(Uint8Array.from(readFileSync(out)).buffer);
    };
    const viaLora = logitsOf(['--model', baseFile, '--lora', lora]);
    expect(maxAbsDiff(viaLora, logitsOf(['--model', merged]))).toBeLessThanOrEqual(1e-5);
    expect(maxAbsDiff(viaLora, logitsOf(['--model', baseFile]))).toBeGreaterThan(1e-3);
  });

  test('logits --backend webgpu from a Hugging Face folder with two adapters: the merged logits within 1e-3', async () => {
    const hubFolder = join(workDir, 'lora-base-hf');
    mkdirSync(hubFolder);
    const baseShards = writeShards(hubTensors(base, '7'), 2);
    for (const { name, bytes } of baseShards.files) writeFileSync(join(hubFolder, name), bytes);
    writeFileSync(join(hubFolder, 'model.safetensors.index.json'), baseShards.index);
    const out = join(workDir, 'lora-webgpu.logits');
    const result = runCli([
      ...['logits', '--backend', 'webgpu', '--model', hubFolder, '--lora', lora],
      ...['--input', promptFile, '--out', out],
    ]);
    expect(result.stderr).toBe('');
    const merged = await loadCanonicalModel(writeSafetensors(mergedDirectly(base, adapters)));
    const expected = runChunked(createReferenceModel(merged), [...new TextEncoder().encode(PROMPT)], 1).logits;
    const difference = maxAbsDiff(new Float32Array(Uint8Array.from(readFileSync(out)).buffer), expected);
    console.log(`cli webgpu HF folder + 2 LoRA adapters: max-abs ${difference.toExponential(2)}`);
    expect(difference).toBeLessThanOrEqual(1e-3);
  }, 180_000);

  test('bad --lora values are usage errors', () => {
    const result = runCli(['generate', '--model', baseFile, '--prompt', 'x', '--lora', `${adapterFiles[0]}:gain=2`]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/'gain=2' is not alpha=N or weight=W/);
  });
});
