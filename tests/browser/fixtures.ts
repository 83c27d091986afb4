/**
 * Fixtures for browser tests: fetched from ../shared/fixtures through Vite's /@fs/ route. Tests that need them use
 * `describeWithFixtures`, which skips with a loud message when they are absent.
 */
import { describe, inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    fixturesDir: string;
    fixturesPresent: boolean;
  }
}

export const fixturesPresent = inject('fixturesPresent');

if (!fixturesPresent) {
  console.warn(
    `\n!!! rwkv.cpp fixtures not found at ${inject('fixturesDir')}: fixture-based browser tests are SKIPPED.\n`,
  );
}

export const describeWithFixtures = fixturesPresent ? describe : describe.skip;

/** URL of a fixture file, e.g. fixtureUrl('rwkv-cpp', 'tiny-rwkv-7v0-834K-FP32.bin'). */
export function fixtureUrl(...parts: string[]): string {
  return `/@fs${inject('fixturesDir')}/${parts.join('/')}`;
}

export async function fetchFixture(...parts: string[]): Promise<Uint8Array> {
  const response = await fetch(fixtureUrl(...parts));
  if (!response.ok) throw new Error(`fixture ${parts.join('/')}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

export const REFERENCE_PROMPT = '"in';

export interface BrowserReferenceCase {
  model: string;
  format: string;
  modelFile: string;
  logitsFile: string;
}

/** Every (model, format) pair that has both a .bin file and reference logits in the shared fixtures. */
export const REFERENCE_CASES: readonly BrowserReferenceCase[] = [
  ['4v0-660K', ['FP32', 'FP16', 'Q5_0', 'Q5_1']],
  ['5v1-730K', ['FP32', 'FP16', 'Q5_0', 'Q5_1']],
  ['5v2-730K', ['FP32', 'FP16', 'Q4_0', 'Q5_0', 'Q5_1', 'Q8_0']],
  ['6v0-3m', ['Q5_0', 'Q5_1']],
  ['7v0-834K', ['FP32', 'FP16', 'Q4_0', 'Q5_0', 'Q5_1', 'Q8_0']],
].flatMap(([model, formats]) =>
  (formats as string[]).map((format) => ({
    model: model as string,
    format,
    modelFile: `tiny-rwkv-${model}-${format}.bin`,
    logitsFile: `in-${model}-${format}.${format === 'FP32' ? 'logits' : 'dequantized.logits'}`,
  })),
);
