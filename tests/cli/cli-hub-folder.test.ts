/**
 * `--model DIR` takes a Hugging Face model folder (shards, index, config.json): `logits` and `generate` on the CPU
 * match the reference forward pass of the same weights; `--backend webgpu`, whose browser runner serves one file,
 * refuses a folder with one line saying so.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { createReferenceModel } from '../../src/reference/model.js';
import { tinyModel } from '../engine/helpers.js';
import { hubTensors } from '../helpers/write-hub.js';
import { officialTensors } from '../helpers/write-pth.js';
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
