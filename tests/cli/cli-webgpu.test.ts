/**
 * `rwkv-webgpu logits --backend webgpu` end to end: the CLI serves its runner page, drives headless Chromium and
 * compares with rwkv.cpp's reference logits (≤ 1e-3 at every position). One fixture per generation, serial and
 * chunked, runs by default (each run starts a browser: ~15 s on SwiftShader); RWKV_CLI_SWEEP=full runs every
 * fixture at chunk 1, 37 and 128. Every fixture at every chunk size also runs in-process in the browser tests
 * (tests/browser/runtime).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { describeWithFixtures, referenceLogitsCases, REFERENCE_PROMPT } from '../fixtures.js';
import { runCli } from './run-cli.js';

const workDir = mkdtempSync(join(tmpdir(), 'rwkv-cli-webgpu-'));
const promptFile = join(workDir, 'prompt.txt');
writeFileSync(promptFile, REFERENCE_PROMPT);

const REPRESENTATIVE: readonly [string, string, number][] = [
  ['4v0-660K', 'FP32', 1],
  ['5v1-730K', 'Q5_1', 37],
  ['5v2-730K', 'FP16', 1],
  ['6v0-3m', 'Q5_0', 128],
  ['7v0-834K', 'Q8_0', 37],
];

const fullSweep = process.env.RWKV_CLI_SWEEP === 'full';
const runs = referenceLogitsCases().flatMap((fixture) =>
  (fullSweep
    ? [1, 37, 128]
    : REPRESENTATIVE.filter(([m, f]) => m === fixture.model && f === fixture.format).map(([, , c]) => c)
  ).map((chunk) => ({ fixture, chunk })),
);

function readF32(path: string): Float32Array {
  const bytes = readFileSync(path);
  return new Float32Array(Uint8Array.from(bytes).buffer);
}

describeWithFixtures('rwkv-webgpu logits --backend webgpu matches rwkv.cpp', () => {
  test.each(runs)(
    '$fixture.model $fixture.format chunk $chunk',
    ({ fixture, chunk }) => {
      const out = join(workDir, `${fixture.model}-${fixture.format}-${chunk}.logits`);
      const args = ['logits', '--backend', 'webgpu', '--model', fixture.modelFile, '--input', promptFile, '--out', out];
      const result = runCli([...args, '--chunk', String(chunk)]);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      const expected = readF32(fixture.logitsFile);
      const actual = readF32(out);
      expect(actual.length).toBe(expected.length);
      let diff = 0;
      for (let i = 0; i < actual.length; i++) diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
      console.log(`cli webgpu ${fixture.model} ${fixture.format} chunk ${chunk}: max-abs ${diff.toExponential(2)}`);
      expect(diff).toBeLessThanOrEqual(1e-3);
    },
    180_000,
  );
});
