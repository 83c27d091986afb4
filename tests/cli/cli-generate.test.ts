/**
 * `rwkv-webgpu generate`: greedy output equals the CPU oracle's argmax continuation; a seed reproduces; the stats
 * go to stderr; the WebGPU backend (headless Chromium) produces the same greedy text as the CPU.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { loadCanonicalModel } from '../../src/formats/load.js';
import { createState } from '../../src/generations/state.js';
import { createReferenceModel } from '../../src/reference/model.js';
import { describeWithFixtures, fixturePath } from '../fixtures.js';
import { runCli } from './run-cli.js';

const MODEL = fixturePath('rwkv-cpp', 'tiny-rwkv-4v0-660K-FP32.bin');
const PROMPT = 'The ';

function argmax(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

async function oracleGreedy(maxTokens: number): Promise<string> {
  const model = createReferenceModel(await loadCanonicalModel(new Uint8Array(readFileSync(MODEL))));
  const state = createState(model.spec);
  let logits = model.forward(new TextEncoder().encode(PROMPT), state);
  const bytes: number[] = [];
  for (let i = 0; i < maxTokens; i++) {
    const token = argmax(logits);
    bytes.push(token);
    logits = model.forward([token], state);
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

const generate = (...extra: string[]) =>
  runCli(['generate', '--model', MODEL, '--prompt', PROMPT, '--max-tokens', '24', ...extra]);

describeWithFixtures('rwkv-webgpu generate', () => {
  test('temperature 0 streams the oracle’s greedy continuation; stats go to stderr', async () => {
    const result = generate('--temperature', '0', '--backend', 'cpu');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(await oracleGreedy(24));
    expect(result.stderr).toMatch(/generated 24 tokens at [\d.]+ tok\/s; time to first token \d+ ms; finish: length/);
  });

  test('the same seed gives the same text; auto falls back to the CPU with a warning', () => {
    const first = generate('--seed', '7', '--temperature', '1.2');
    const second = generate('--seed', '7', '--temperature', '1.2', '--backend', 'cpu');
    expect(first.status).toBe(0);
    expect(first.stdout).toBe(second.stdout);
    expect(first.stderr).toMatch(/warning: WebGPU is unavailable/);
  });

  test('the webgpu backend gives the same greedy text as the CPU', async () => {
    const result = generate('--temperature', '0', '--backend', 'webgpu');
    expect(result.stderr).toMatch(/generated 24 tokens/);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(await oracleGreedy(24));
  }, 180_000);
});

describe('rwkv-webgpu generate arguments', () => {
  test('a missing prompt is a usage error', () => {
    const result = runCli(['generate', '--model', MODEL]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/--prompt is required/);
  });
});
