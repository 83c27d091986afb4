/**
 * The CLI's `logits` command against rwkv.cpp's reference logits for every fixture (every generation and format),
 * serial and chunked, and its error contract (exit 2 for bad arguments, exit 1 for a bad model file).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { describeWithFixtures, fixturePath, referenceLogitsCases, REFERENCE_PROMPT } from '../fixtures.js';
import { runCli } from './run-cli.js';

const workDir = mkdtempSync(join(tmpdir(), 'rwkv-cli-'));
const promptFile = join(workDir, 'prompt.txt');
writeFileSync(promptFile, REFERENCE_PROMPT);

function readF32(path: string): Float32Array {
  const bytes = readFileSync(path);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

describeWithFixtures('rwkv-webgpu logits --backend cpu matches rwkv.cpp', () => {
  for (const fixture of referenceLogitsCases()) {
    for (const chunk of [1, 2, 3]) {
      test(`${fixture.model} ${fixture.format} chunk ${chunk}`, () => {
        const out = join(workDir, `${fixture.model}-${fixture.format}-${chunk}.logits`);
        const result = runCli([
          'logits',
          '--model',
          fixture.modelFile,
          '--input',
          promptFile,
          '--out',
          out,
          '--chunk',
          String(chunk),
        ]);
        expect(result.stderr).toBe('');
        expect(result.status).toBe(0);
        const expected = readF32(fixture.logitsFile);
        const actual = readF32(out);
        expect(actual.length).toBe(expected.length);
        const diff = maxAbsDifference(actual, expected);
        console.log(`cli cpu ${fixture.model} ${fixture.format} chunk ${chunk}: max-abs ${diff.toExponential(2)}`);
        // Block formats: x quantized to int16 per block of 32 in the products (the 1e-3; measured ≤ 2.6e-4).
        const blocks = !fixture.format.startsWith('FP');
        expect(diff).toBeLessThanOrEqual(blocks ? 1e-3 : 1e-4);
      });
    }
  }
});

describeWithFixtures('rwkv-webgpu logits --backend cpu --quantize', () => {
  test("q4 gives the reference's quantize-then-dequantize logits within 1e-3", () => {
    const model = fixturePath('rwkv-cpp', 'tiny-rwkv-7v0-834K-FP16.bin');
    const run = (backend: string) => {
      const out = join(workDir, `quantized-${backend}.logits`);
      const args = ['logits', '--model', model, '--input', promptFile, '--out', out, '--quantize', 'q4'];
      const result = runCli([...args, '--backend', backend]);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      return readF32(out);
    };
    const [fast, reference] = [run('cpu'), run('reference')];
    expect(fast.length).toBe(reference.length);
    expect(maxAbsDifference(fast, reference)).toBeLessThanOrEqual(1e-3);
  });
});

describe('rwkv-webgpu error contract', () => {
  test('no command prints usage and exits 2', () => {
    const result = runCli([]);
    expect(result.status).toBe(2);
    expect(result.stdout).toContain('Usage: rwkv-webgpu');
  });

  test.each([
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['logits', '--input', promptFile, '--out', 'x'], /--model is required/],
    [['logits', '--model', 'm', '--input', promptFile, '--out', 'x', '--chunk', '0'], /--chunk must be a positive/],
    [['logits', '--model', 'm', '--input', promptFile, '--out', 'x', '--backend', 'tpu'], /--backend must be one of/],
    [['tokenize', '--tokenizer', 'world', '--input', promptFile], /the world tokenizer needs --vocab/],
    [['tokenize', '--tokenizer', 'bytes', '--input'], /--input needs a value/],
  ])('%j exits 2 with a one-line usage error', (args, message) => {
    const result = runCli(args);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  test('a bad model file exits 1 with the ModelFormatError message', () => {
    const badModel = join(workDir, 'bad.bin');
    writeFileSync(badModel, new Uint8Array([0x66, 0x6d, 0x67, 0x67, 0x07, 0, 0, 0]));
    const result = runCli(['logits', '--model', badModel, '--input', promptFile, '--out', join(workDir, 'o')]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^rwkv-webgpu: ModelFormatError: /);
  });

  test('a missing model file exits 1 and names the file', () => {
    const missing = join(workDir, 'missing.bin');
    const result = runCli(['logits', '--model', missing, '--input', promptFile, '--out', join(workDir, 'o')]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(missing);
  });
});

describe('rwkv-webgpu tokenize', () => {
  test('bytes: one id per byte of the file', () => {
    const file = join(workDir, 'bytes.txt');
    writeFileSync(file, 'hé');
    const result = runCli(['tokenize', '--tokenizer', 'bytes', '--input', file]);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([104, 0xc3, 0xa9]);
  });
});

describeWithFixtures('rwkv-webgpu tokenize with the shared tokenizer files', () => {
  test('world: the rwkv-notes test vector', () => {
    const file = join(workDir, 'world.txt');
    writeFileSync(file, 'Today is a beautiful day. 今天是美好的一天。');
    const vocab = fixturePath('tokenizers', 'rwkv_vocab_v20230424.txt');
    const result = runCli(['tokenize', '--tokenizer', 'world', '--vocab', vocab, '--input', file]);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([
      33520, 4600, 332, 59219, 21509, 47, 33, 10381, 11639, 13091, 15597, 11685, 14734, 10250, 11639, 10080,
    ]);
  });

  test('pile20b: "Hello World!"', () => {
    const file = join(workDir, 'pile.txt');
    writeFileSync(file, 'Hello World!');
    const vocab = fixturePath('tokenizers', '20B_tokenizer.json');
    const result = runCli(['tokenize', '--tokenizer', 'pile20b', '--vocab', vocab, '--input', file]);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([12092, 3645, 2]);
  });
});
