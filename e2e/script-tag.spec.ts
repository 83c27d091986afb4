/**
 * The classic-script build: one `<script src>` defines window.RWKV with exactly the ESM entry's exports, and runs a
 * model — also on a page at another path that loads the script from another origin (a CDN, played by Playwright),
 * which only works because the engine's worker is inlined in the script (a worker script must be same-origin); and,
 * the site being cross-origin isolated (COOP/COEP), the CPU backend there runs on 2 threads (the workers inlined in
 * the engine's worker) and writes what the reference backend writes.
 */
import { resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import * as esm from '../src/index.js';
import { MODEL_PATH, referenceLogits, screenshot, skipWithoutFixtures, withModel } from './fixtures.js';

test('window.RWKV has the same API as the ESM entry', async ({ page }) => {
  await page.goto('/script-tag/');
  const globals = await page.evaluate(() => Object.keys((window as unknown as { RWKV: object }).RWKV).sort());
  expect(globals).toEqual(Object.keys(esm).sort());
});

test('the script-tag page generates text with the fixture model', async ({ page, baseURL }, testInfo) => {
  skipWithoutFixtures();
  await page.goto(withModel('/script-tag/'));
  await expect(page.getByLabel('Model URL')).toHaveValue(new URL(MODEL_PATH, baseURL).href);
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByRole('status')).toHaveText(/^Done: 64 tokens at [\d.]+ tok\/s\.$/, { timeout: 60_000 });
  expect((await page.locator('#output').textContent())!.length).toBeGreaterThan(0);
  await screenshot(page, testInfo, 'script-tag');
});

test('one script tag from another origin works on a page at any path', async ({ page, baseURL }) => {
  skipWithoutFixtures();
  const pageUrl = new URL('/some/deep/path/page.html', baseURL).href;
  const cdnUrl = 'https://cdn.example/npm/rwkv-webgpu/dist/rwkv-webgpu.iife.js';
  await page.route(cdnUrl, (route) =>
    route.fulfill({
      path: resolve(import.meta.dirname, '../dist/site/rwkv-webgpu.iife.js'),
      contentType: 'text/javascript',
    }),
  );
  await page.route(pageUrl, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><title>elsewhere</title><script src="${cdnUrl}"></script>`,
    }),
  );
  await page.goto(pageUrl);
  const { tokens, ...isolation } = await page.evaluate(async (model) => {
    type Api = typeof import('../src/index.js');
    const { createEngine } = (window as unknown as { RWKV: Api }).RWKV;
    const engine = await createEngine({ model, backend: 'cpu' });
    const session = await engine.createSession();
    await session.prefill('"in');
    const tokens: number[] = [];
    for await (const piece of session.generate({ maxTokens: 8, temperature: 0 })) tokens.push(piece.token);
    await engine.dispose();
    return { tokens, crossOriginIsolated, threads: engine.info.cpu?.threads };
  }, new URL(MODEL_PATH, baseURL).href);
  // This page sends no COOP/COEP: not isolated, so the CPU backend runs on one thread.
  expect(isolation).toEqual({ crossOriginIsolated: false, threads: 1 });
  expect(tokens).toHaveLength(8);
  // Greedy decoding: the first token is the argmax of rwkv.cpp's logits after `"in`.
  const afterPrompt = referenceLogits()[2];
  expect(tokens[0]).toBe(afterPrompt.indexOf(Math.max(...afterPrompt)));
});

test('on the cross-origin-isolated site the CPU backend runs on 2 threads and writes what the oracle writes', async ({
  page,
  baseURL,
}) => {
  skipWithoutFixtures();
  await page.goto('/script-tag/');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  const runs = await page.evaluate(async (model) => {
    type Api = typeof import('../src/index.js');
    const { createEngine } = (window as unknown as { RWKV: Api }).RWKV;
    const run = async (backend: 'cpu' | 'reference', threads: number) => {
      const engine = await createEngine({ model, backend, threads });
      const session = await engine.createSession();
      await session.prefill('The quick brown fox jumps over the lazy dog, again and again.');
      const tokens: number[] = [];
      for await (const piece of session.generate({ maxTokens: 8, temperature: 0 })) tokens.push(piece.token);
      const threadsUsed = engine.info.cpu?.threads;
      await engine.dispose();
      return { tokens, threadsUsed };
    };
    return [await run('cpu', 2), await run('reference', 1)];
  }, new URL(MODEL_PATH, baseURL).href);
  expect(runs[0].threadsUsed).toBe(2);
  expect(runs[0].tokens).toHaveLength(8);
  expect(runs[0].tokens).toEqual(runs[1].tokens);
});
