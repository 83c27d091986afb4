/**
 * What the end-to-end tests share: the fixture model they load (a byte-level RWKV-7 from rwkv.cpp's test suite,
 * served by the preview server at /fixtures/), the backend they ask for, rwkv.cpp's reference logits, a loud skip
 * when ../shared/fixtures is absent, a state-tuning file for the fixture model, and checks every page must pass
 * (labelled controls).
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import type { Page, TestInfo } from '@playwright/test';
import { timeStateTensors } from '../tests/helpers/state-tuning-files.js';
import { writeSafetensors } from '../tests/helpers/write-safetensors.js';

export const fixturesDir = process.env.RWKV_FIXTURES ?? resolve(import.meta.dirname, '..', '..', 'shared', 'fixtures');
export const fixturesPresent = existsSync(resolve(fixturesDir, 'rwkv-cpp'));

export const MODEL_NAME = 'tiny-rwkv-7v0-834K-FP32.bin';
export const MODEL_PATH = `/fixtures/rwkv-cpp/${MODEL_NAME}`;
/** 'cpu' until the WebGPU backend is the one to test end to end; RWKV_E2E_BACKEND=auto|webgpu overrides. */
export const BACKEND = process.env.RWKV_E2E_BACKEND ?? 'cpu';

/** The page's address with the fixture model and the backend in its query. */
export function withModel(path: string): string {
  return `${path}?model=${encodeURIComponent(MODEL_PATH)}&backend=${BACKEND}`;
}

export function skipWithoutFixtures(): void {
  if (!fixturesPresent) console.warn(`\n  SKIPPED: no fixtures at ${fixturesDir} (set RWKV_FIXTURES)\n`);
  test.skip(!fixturesPresent, `no fixtures at ${fixturesDir}`);
}

/** rwkv.cpp's logits for the prompt `"in` after each of its 3 tokens (3 × 256). */
export function referenceLogits(): Float32Array[] {
  const bytes = readFileSync(resolve(fixturesDir, 'reference-logits', 'in-7v0-834K-FP32.logits'));
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return [0, 1, 2].map((row) => all.subarray(row * 256, (row + 1) * 256));
}

/** Probabilities of softmax(logits). */
export function softmax(logits: Float32Array): number[] {
  const max = Math.max(...logits);
  const exps = Array.from(logits, (logit) => Math.exp(logit - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((value) => value / sum);
}

/** Every visible form control and button has an accessible name (a label, aria-label or text). */
export async function expectLabelledControls(page: Page): Promise<void> {
  const controls = page.locator('input, select, textarea, button, canvas[role="img"]');
  const count = await controls.count();
  expect(count).toBeGreaterThan(0);
  for (let i = 0; i < count; i++) {
    const control = controls.nth(i);
    if (await control.isVisible()) await expect(control).toHaveAccessibleName(/\S/);
  }
}

/** Saves a full-page screenshot under test-results/e2e/screenshots/ (looked at by people) and attaches it. */
export async function screenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const path = resolve(testInfo.project.outputDir, 'screenshots', `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

/**
 * A state-tuning file (RWKV-PEFT's time_state, safetensors) for the fixture model — `layers` layers of its heads
 * (n_embed / 64 heads of 64, from its rwkv.cpp header) — as Playwright's setInputFiles takes it.
 */
export function stateTuningFile(name: string, layers?: number) {
  // The header: magic, version, n_vocab, n_embed, n_layer (int32 LE).
  const header = new Int32Array(readFileSync(resolve(fixturesDir, 'rwkv-cpp', MODEL_NAME)).buffer.slice(0, 24));
  const [nEmbed, nLayer] = [header[3], header[4]];
  const tensors = timeStateTensors({ nLayer: layers ?? nLayer, nHead: nEmbed / 64, headSize: 64 });
  return { name, mimeType: 'application/octet-stream', buffer: Buffer.from(writeSafetensors(tensors)) };
}
