/**
 * The CLI's `perplexity` command: the perplexity of the text as read and after each load-time quantization, the
 * same figures in --json as the CPU reference gives through the library, and its error contract.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadCanonicalModel } from '../../src/formats/load.js';
import { quantizedAsLoaded } from '../../src/quantize/oracle-weights.js';
import { createReferenceModel } from '../../src/reference/model.js';
import { perplexity } from '../../src/reference/perplexity.js';
import { describeWithFixtures, fixturePath, readFixture } from '../fixtures.js';
import { runCli } from './run-cli.js';

const workDir = mkdtempSync(join(tmpdir(), 'rwkv-cli-perplexity-'));
const textFile = join(workDir, 'text.txt');
const text = readFileSync(new URL('../../data/held-out-english.txt', import.meta.url)).subarray(0, 200);
writeFileSync(textFile, text);

describeWithFixtures('rwkv-webgpu perplexity', () => {
  test('none, q8 and q4 of the 7v0 FP32 fixture: the library figures, changes against none', async () => {
    const json = join(workDir, 'perplexity.json');
    const model = fixturePath('rwkv-cpp', 'tiny-rwkv-7v0-834K-FP32.bin');
    const result = runCli(['perplexity', '--model', model, '--text', textFile, '--json', json]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('200 tokens, 199 scored');
    const lines = JSON.parse(readFileSync(json, 'utf8')) as {
      quantize: string;
      perplexity: number;
      changePercent: number;
    }[];
    expect(lines.map((line) => line.quantize)).toEqual(['none', 'q8', 'q4']);
    const canonical = await loadCanonicalModel(readFixture('rwkv-cpp', 'tiny-rwkv-7v0-834K-FP32.bin'));
    const tokens = Array.from(text);
    const expected = [
      perplexity(createReferenceModel(canonical), tokens).perplexity,
      perplexity(createReferenceModel(quantizedAsLoaded(canonical, { quantize: 'q8' })), tokens).perplexity,
      perplexity(createReferenceModel(quantizedAsLoaded(canonical, { quantize: 'q4' })), tokens).perplexity,
    ];
    lines.forEach((line, i) => expect(line.perplexity).toBeCloseTo(expected[i], 10));
    expect(lines[1].perplexity).not.toBe(lines[0].perplexity);
    expect(lines[0].changePercent).toBe(0);
    expect(lines[2].changePercent).toBeCloseTo(100 * (expected[2] / expected[0] - 1), 8);
  });
});

describe('rwkv-webgpu perplexity error contract', () => {
  test('an unknown quantization is a usage error (exit 2)', () => {
    const result = runCli(['perplexity', '--model', 'model.bin', '--text', textFile, '--quantize', 'q8,q3']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("--quantize takes a list of none|q8|q4, not 'q3'");
  });
});
