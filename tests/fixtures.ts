/**
 * Locates the shared rwkv.cpp fixtures (`../shared/fixtures` beside the repository). Tests that need them use
 * `describeWithFixtures`, which skips with a loud message when they are absent; synthetic tests always run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const FIXTURES_DIR = process.env.RWKV_FIXTURES ?? join(repoRoot, '..', 'shared', 'fixtures');

export const fixturesPresent = existsSync(join(FIXTURES_DIR, 'rwkv-cpp'));

if (!fixturesPresent) {
  console.warn(
    `\n!!! rwkv.cpp fixtures not found at ${FIXTURES_DIR}: fixture-based tests are SKIPPED.` +
      `\n!!! Put the shared folder beside the repository (../shared/fixtures) or set RWKV_FIXTURES.\n`,
  );
}

/** `describe` that runs only when the fixtures are present (and says loudly when it does not). */
export const describeWithFixtures = fixturesPresent ? describe : describe.skip;

export function fixturePath(...parts: string[]): string {
  return join(FIXTURES_DIR, ...parts);
}

export function readFixture(...parts: string[]): Uint8Array {
  return new Uint8Array(readFileSync(fixturePath(...parts)));
}

/** The reference-logits files: model name, format, path. */
export interface ReferenceLogitsCase {
  model: string;
  format: string;
  modelFile: string;
  logitsFile: string;
}

export const REFERENCE_PROMPT = '"in';

export function referenceLogitsCases(): ReferenceLogitsCase[] {
  const models = ['4v0-660K', '5v1-730K', '5v2-730K', '6v0-3m', '7v0-834K'];
  const formats = ['FP32', 'FP16', 'Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'Q8_0'];
  const cases: ReferenceLogitsCase[] = [];
  for (const model of models) {
    for (const format of formats) {
      const suffix = format === 'FP32' ? 'logits' : 'dequantized.logits';
      const logitsFile = fixturePath('reference-logits', `in-${model}-${format}.${suffix}`);
      const modelFile = fixturePath('rwkv-cpp', `tiny-rwkv-${model}-${format}.bin`);
      if (existsSync(logitsFile) && existsSync(modelFile)) cases.push({ model, format, modelFile, logitsFile });
    }
  }
  return cases;
}
