/**
 * `--model DIR` takes a Hugging Face model folder (shards, index, config.json): `logits` and `generate` on the CPU
 * match the reference forward pass of the same weights; `--backend webgpu`, whose browser runner serves one file,
 * refuses a folder with one line saying so. `--lora` merges adapters at load: the logits of the merged checkpoint
 * written directly.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { createReferenceModel } from '../../src/reference/model.js';
import { tinyModel } from '../engine/helpers.js';
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

describe('rwkv-webgpu --model HF_FOLDER', () => {
  test('logits --backend cpu matches the reference forward pass', () => {
    const out = join(workDir, 'cpu.logits');
    const result = runCli(['logits', '--backend', 'cpu', '--model', folder, '--input', promptFile, '--out', out]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const actual = new Float32Array(Uint8Array.from(readFileSync(out)).buffer);
    const expected = runChunked(createReferenceModel(model), [...new TextEncoder().encode(PROMPT)], 1).logits;
    expect(maxAbsDiff(actual, expected)).toBeLessThanOrEqual(1e-6);
  });

  test('generate --backend cpu runs from the folder', () => {
    const result = runCli(['generate', '--backend', 'cpu', '--model', folder, '--prompt', PROMPT, '--max-tokens', '4']);
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/4 tokens/);
  });

  test('--backend webgpu refuses a folder with one line', () => {
    const result = runCli(['logits', '--backend', 'webgpu', '--model', folder, '--input', promptFile, '--out', 'x']);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toMatch(/^rwkv-webgpu: FileAccessError: .* is a folder: --backend webgpu takes one/);
  });
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

  test('bad --lora values are usage errors', () => {
    const result = runCli(['generate', '--model', baseFile, '--prompt', 'x', '--lora', `${adapterFiles[0]}:gain=2`]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/'gain=2' is not alpha=N or weight=W/);
  });
});
