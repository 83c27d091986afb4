/**
 * `rwkv-webgpu logits --model FILE` reads every format the README lists from disk — rwkv.cpp `.bin` and GGUF front
 * to back, `.pth` and safetensors by random access — on each backend (reference, cpu, webgpu), and matches the reference
 * forward pass run here on the same seeded synthetic RWKV-7 model. A bad file fails on each with one line naming the
 * real class.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { createReferenceModel } from '../../src/reference/model.js';
import { modelBytes, tinyModel } from '../engine/helpers.js';
import { officialTensors, writePth } from '../helpers/write-pth.js';
import { ggufOf, matricesAs, writeGguf } from '../helpers/write-gguf.js';
import { writeSafetensors } from '../helpers/write-safetensors.js';
import { maxAbsDiff, runChunked } from '../reference/helpers.js';
import { runCli } from './run-cli.js';

const workDir = mkdtempSync(join(tmpdir(), 'rwkv-cli-formats-'));
const PROMPT = 'The river';
const promptFile = join(workDir, 'prompt.txt');
writeFileSync(promptFile, PROMPT);

const model = tinyModel('7', 91);
const expected = runChunked(createReferenceModel(model), [...new TextEncoder().encode(PROMPT)], 1).logits;

const files = {
  bin: modelBytes(model),
  pth: writePth(officialTensors(model)),
  safetensors: writeSafetensors(officialTensors(model)),
  gguf: writeGguf(ggufOf(model, matricesAs('F32'))),
};
const badFile = join(workDir, 'garbage.pth');
writeFileSync(badFile, new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3, 4]));

/**
 * Largest |difference| each backend may show against the reference run in this process: the oracle itself in a
 * child process, the fast CPU backend (f32 sums in its kernels), the GPU.
 */
const TOLERANCE = { reference: 1e-6, cpu: 1e-4, webgpu: 1e-3 };

describe.each(['reference', 'cpu', 'webgpu'] as const)('rwkv-webgpu logits --backend %s', (backend) => {
  test.each(Object.keys(files) as (keyof typeof files)[])(
    '.%s from disk matches the reference forward pass',
    (format) => {
      const modelFile = join(workDir, `model.${format}`);
      writeFileSync(modelFile, files[format]);
      const out = join(workDir, `${backend}-${format}.logits`);
      const result = runCli([
        'logits',
        '--backend',
        backend,
        '--model',
        modelFile,
        '--input',
        promptFile,
        '--out',
        out,
      ]);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      const bytes = readFileSync(out);
      const actual = new Float32Array(Uint8Array.from(bytes).buffer);
      const diff = maxAbsDiff(actual, expected);
      console.log(`cli ${backend} synthetic v7 .${format}: max-abs ${diff.toExponential(2)}`);
      expect(diff).toBeLessThanOrEqual(TOLERANCE[backend]);
    },
    180_000,
  );

  test('a garbage .pth fails with one line naming ModelFormatError', () => {
    const result = runCli(['logits', '--backend', backend, '--model', badFile, '--input', promptFile, '--out', 'x']);
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^rwkv-webgpu: ModelFormatError: /);
  }, 180_000);
});
