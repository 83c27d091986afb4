/**
 * First use with nothing but the repository: with no model named, the playground, the chat and the script-tag page
 * load the model shipped in public/models/ and generate text at once, without a single request leaving the site
 * (no internet needed); the pickers still offer the official RWKV-7 World downloads. These tests need no fixtures:
 * run them with RWKV_FIXTURES pointing at an empty folder to check a fresh clone with no ../shared.
 */
import { expect, test as base } from '@playwright/test';
import { fixturesPresent, screenshot } from './fixtures.js';

const EMBEDDED = 'tiny-rwkv-5v2-730K-FP16.bin';

/** `outside`: every request that left the site, each failed as if offline — a first run must not need the internet. */
const test = base.extend<{ outside: string[] }>({
  outside: async ({ context, baseURL }, use) => {
    const outside: string[] = [];
    await context.route(
      (url) => url.origin !== new URL(baseURL!).origin,
      (route) => {
        outside.push(route.request().url());
        return route.abort('internetdisconnected');
      },
    );
    await use(outside);
  },
});

test('the playground loads the embedded model and generates at once', async ({ page, baseURL, outside }, testInfo) => {
  await page.goto('/playground/');
  await expect(page.locator('#model-status')).toContainText(`${EMBEDDED} · RWKV v5.2`, { timeout: 60_000 });
  await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill('The weather today is');
  await page.getByLabel('Max tokens').fill('16');
  await page.getByRole('button', { name: /Generate/ }).click();
  await expect(page.locator('#run-status')).toHaveText('Done: 16 tokens (length limit).', { timeout: 60_000 });
  expect(await page.locator('#output .token').count()).toBe(16);

  const official = page.locator('#model-list optgroup[label="Official RWKV-7 World (download)"] option');
  await expect(official).toHaveCount(4);
  await expect(page.locator('#model-list')).toHaveValue(new URL(`/models/${EMBEDDED}`, baseURL).href);
  if (!fixturesPresent) await expect(page.locator('#model-list optgroup[label^="Test fixtures"]')).toHaveCount(0);
  await screenshot(page, testInfo, 'first-run-playground');
  expect(outside).toEqual([]);
});

test('the chat loads the embedded model and answers', async ({ page, outside }) => {
  await page.goto('/chat/');
  await expect(page.locator('#model-status')).toContainText(`${EMBEDDED} · RWKV v5.2`, { timeout: 60_000 });
  await page.locator('summary', { hasText: 'Settings' }).click();
  await page.getByLabel('Reply length limit (tokens)').fill('12');
  await page.getByLabel('Message').fill('Hello there!');
  await page.getByLabel('Message').press('Enter');
  await expect(page.locator('.message.assistant .note')).toHaveText(/^read \d+ tokens · \d+ tokens at /, {
    timeout: 60_000,
  });
  await expect(page.locator('.message.assistant .content')).toHaveText(/\S/);
  expect(outside).toEqual([]);
});

test('the script-tag page generates with the embedded model', async ({ page, baseURL, outside }) => {
  // The CPU backend: 64 tokens on SwiftShader's WebGPU take about a minute on this project's machines.
  await page.goto('/script-tag/?backend=cpu');
  await expect(page.getByLabel('Model URL')).toHaveValue(new URL(`/models/${EMBEDDED}`, baseURL).href);
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByRole('status')).toHaveText(/^Done: 64 tokens at [\d.]+ tok\/s\.$/, { timeout: 60_000 });
  expect((await page.locator('#output').textContent())!.length).toBeGreaterThan(0);
  expect(outside).toEqual([]);
});
