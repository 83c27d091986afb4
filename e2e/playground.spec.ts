/**
 * The playground: generates with live tok/s and a chart; the top-5 probabilities of a position match softmax of
 * rwkv.cpp's reference logits; perplexity matches the one computed from those logits; the state heat map draws;
 * a state exports and imports; a state-tuning file becomes the initial state of the next generations (a file of another
 * shape is refused with the library's message); a JSON schema constrains the output; the WebGPU backend works through the page too;
 * everything works from the keyboard.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { Ajv } from 'ajv';
import type { Page } from '@playwright/test';
import {
  expectLabelledControls,
  MODEL_PATH,
  referenceLogits,
  screenshot,
  skipWithoutFixtures,
  softmax,
  stateTuningFile,
  withModel,
} from './fixtures.js';

test.beforeEach(() => skipWithoutFixtures());

async function openPlayground(page: Page): Promise<void> {
  await page.goto(withModel('/playground/'));
  await expect(page.getByRole('button', { name: /Generate/ })).toBeEnabled({ timeout: 60_000 });
}

async function generate(page: Page, prompt: string, maxTokens: number): Promise<void> {
  await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill(prompt);
  await page.getByLabel('Max tokens').fill(String(maxTokens));
  await page.getByLabel('Seed (empty = random)').fill('7');
  await page.getByRole('button', { name: /Generate/ }).click();
  await expect(page.locator('#run-status')).toHaveText(`Done: ${maxTokens} tokens (length limit).`, {
    timeout: 60_000,
  });
}

test('generates, shows tok/s and a chart, and the top-5 of position 0 match rwkv.cpp', async ({ page }, testInfo) => {
  await openPlayground(page);
  await generate(page, '"in', 48);
  for (const figure of ['#prefill-rate', '#decode-rate']) {
    await expect(page.locator(figure)).toHaveText(/^[\d.]+ tok\/s$/);
  }
  await expect(page.locator('#token-count')).toHaveText('3 + 48');
  await expect(page.locator('#speed-chart')).toHaveAttribute(
    'aria-label',
    /^Decode speed over [\d.]+ s: now [\d.]+ tok\/s/,
  );
  expect(await page.locator('#output .token').count()).toBe(48);

  // Position 0 was sampled from the logits after `"in`: rwkv.cpp's last row.
  const expected = softmax(referenceLogits()[2])
    .map((probability, token) => ({ token, probability }))
    .sort((a, b) => b.probability - a.probability)
    .slice(0, 5);
  const shown = await page.locator('#top-tokens li > span:last-child').allTextContents();
  expect(shown).toEqual(expected.map(({ probability }) => `${(100 * probability).toFixed(1)} %`));
  await expect(page.locator('#position-summary')).toHaveText(
    /^Position 0: sampled “.+”, probability [\d.]+ %, rank \d+\.$/,
  );
  await screenshot(page, testInfo, 'playground-generated');
});

test('runs on WebGPU too (SwiftShader here): a few tokens, and position 0 still matches rwkv.cpp', async ({ page }) => {
  await page.goto(`/playground/?model=${encodeURIComponent(MODEL_PATH)}&backend=webgpu`);
  await expect(page.locator('#model-status')).toContainText('· WebGPU', { timeout: 60_000 });
  await page.getByLabel('Follow generation').uncheck();
  await generate(page, '"in', 4);
  const expected = softmax(referenceLogits()[2])
    .sort((a, b) => b - a)
    .slice(0, 5)
    .map((probability) => `${(100 * probability).toFixed(1)} %`);
  await expect(page.locator('#top-tokens li > span:last-child')).toHaveText(expected);
});

test('perplexity of a pasted text equals the one from rwkv.cpp logits', async ({ page }) => {
  await openPlayground(page);
  const [afterQuote, afterI] = referenceLogits().map(softmax);
  // Tokens of `"in` are its bytes; the first is context, then i and n are predicted.
  const nll = -(Math.log(afterQuote['i'.charCodeAt(0)]) + Math.log(afterI['n'.charCodeAt(0)])) / 2;
  await page.getByLabel('Text to score').fill('"in');
  await page.getByRole('button', { name: 'Measure perplexity' }).click();
  await expect(page.locator('#perplexity')).toHaveText(
    `Perplexity ${Math.exp(nll).toFixed(2)} (mean ${nll.toFixed(3)} nats per token over 3 tokens)`,
  );
});

test('state inspector draws the WKV state; a state exports, imports, and is refused by another model', async ({
  page,
  baseURL,
}, testInfo) => {
  await openPlayground(page);
  await generate(page, 'The state of the art', 32);
  const heatmap = page.locator('#heatmap');
  await expect(heatmap).toHaveAttribute('aria-label', /^WKV state heat map, layer 0, head 0: 64 × 64/);
  const colours = await heatmap.evaluate((canvas: HTMLCanvasElement) => {
    const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    const distinct = new Set<string>();
    for (let i = 0; i < pixels.length; i += 4) distinct.add(`${pixels[i]},${pixels[i + 1]},${pixels[i + 2]}`);
    return distinct.size;
  });
  expect(colours).toBeGreaterThan(50);
  await page.getByLabel('Layer', { exact: true }).selectOption('Layer 11');
  await expect(heatmap).toHaveAttribute('aria-label', /layer 11, head 0/);

  const scale = await page.locator('#heatmap-scale').textContent();
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export state' }).click();
  const bytes = readFileSync(await (await download).path());
  expect(bytes.subarray(0, 8).toString('latin1')).toBe('RWKVSTAT');
  await page
    .getByLabel('Import state')
    .setInputFiles({ name: 'saved.rwkvstate', mimeType: 'application/octet-stream', buffer: bytes });
  await expect(page.locator('#start-state')).toHaveText(
    'The next generation starts from the state in saved.rwkvstate.',
  );
  // The imported state is the exported one: same layer, same largest magnitude.
  await expect(page.locator('#heatmap-scale')).toHaveText(scale!);
  await generate(page, ' and', 8);

  await page
    .getByLabel('Import state')
    .setInputFiles({ name: 'junk.rwkvstate', mimeType: 'text/plain', buffer: Buffer.from('not a state') });
  await expect(page.locator('#start-state')).toHaveText(
    'Could not import junk.rwkvstate: Not an rwkv-webgpu state file (it does not start with "RWKVSTAT"). ' +
      'The previously imported state stays.',
  );
  await screenshot(page, testInfo, 'playground-state');

  const otherModel = new URL('/fixtures/rwkv-cpp/tiny-rwkv-4v0-660K-FP32.bin', baseURL).href;
  await page.getByRole('combobox', { name: 'Model', exact: true }).selectOption(otherModel);
  await page.getByRole('button', { name: 'Load model' }).click();
  await expect(page.locator('#model-status')).toContainText('RWKV v4', { timeout: 60_000 });
  await page
    .getByLabel('Import state')
    .setInputFiles({ name: 'saved.rwkvstate', mimeType: 'application/octet-stream', buffer: bytes });
  await expect(page.locator('#start-state')).toHaveText(
    /^Could not import saved\.rwkvstate: This state belongs to a model of another shape: tiny-rwkv-7v0-834K-FP32\.bin /,
  );
});

test('a state-tuning file is the initial state of the next generations', async ({ page }) => {
  await openPlayground(page);
  const fileInput = page.getByLabel('Load a state-tuning file (.pth, .safetensors)');
  await fileInput.setInputFiles(stateTuningFile('persona.safetensors'));
  await expect(page.getByText('Loaded persona.safetensors: new sessions start from it.')).toBeVisible();
  await expect(page.getByLabel('Initial state', { exact: true })).toHaveValue('persona.safetensors');
  await expect(page.locator('#start-state')).toHaveText(
    'The next generation starts from the initial state persona.safetensors.',
  );
  await generate(page, ' and', 8);

  await fileInput.setInputFiles(stateTuningFile('other.safetensors', 1));
  await expect(
    page.getByText(/^Could not load other\.safetensors: This state-tuning file holds 1 layers/),
  ).toBeVisible();
  await expect(page.getByLabel('Initial state', { exact: true })).toHaveValue('persona.safetensors');
  await page.getByLabel('Initial state', { exact: true }).selectOption('Fresh state');
  await expect(page.locator('#start-state')).toHaveText('The next generation starts from a fresh state.');
});

test('keyboard only: reach Generate with Tab, run it, move through positions with arrow keys', async ({ page }) => {
  await openPlayground(page);
  await page.getByLabel('Max tokens').fill('16');
  await page.getByRole('textbox', { name: 'Prompt', exact: true }).focus();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: /Generate/ })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('#run-status')).toHaveText('Done: 16 tokens (length limit).', { timeout: 60_000 });
  await page.getByLabel('Generated token position').focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.locator('#position-summary')).toHaveText(/^Position 1:/);
  await expect(page.locator('#output .token.chosen')).toHaveAttribute('data-position', '1');
  await expectLabelledControls(page);
});

test('loading shows the bytes received of the total, the speed and the time left', async ({ page, context }) => {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  // 1 MB/s: the 3.3 MB fixture takes about 3 s, long enough to watch.
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: 1e6,
    uploadThroughput: -1,
  });
  await page.goto(withModel('/playground/'));
  const line = page.locator('.load-progress [role="status"]');
  await expect(line).toHaveText(/^Downloading: [\d.]+ [kM]B of 3\.33 MB · [\d.]+ [kM]B\/s · [\d.]+ s left$/);
  await expect(page.getByRole('progressbar', { name: 'Model loading progress' })).toHaveAttribute('value', /^0\.\d+$/);
  await expect(line).toHaveText(/^Ready: /, { timeout: 60_000 });
});

test('a JSON schema constrains the output, shown parsed; a schema that cannot be enforced is refused', async ({
  page,
}, testInfo) => {
  const schema = {
    type: 'object',
    properties: { city: { enum: ['Paris', 'Rome', 'Oslo'] }, sunny: { type: 'boolean' } },
    required: ['city', 'sunny'],
  };
  await openPlayground(page);
  const schemaBox = page.getByLabel('JSON schema (empty = free text)');
  await schemaBox.fill(JSON.stringify(schema));
  await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill('The weather today:');
  await page.getByLabel('Max tokens').fill('64');
  await page.getByLabel('Seed (empty = random)').fill('3');
  await page.getByRole('button', { name: /Generate/ }).click();
  await expect(page.locator('#run-status')).toHaveText(/^Done: \d+ tokens \(schema complete\)\.$/, {
    timeout: 60_000,
  });
  const generated = (await page.locator('#output .token').allTextContents()).join('');
  const parsed: unknown = JSON.parse(generated);
  const validate = new Ajv().compile(schema);
  expect(validate(parsed), generated).toBe(true);
  await expect(page.locator('#json-output')).toHaveText(JSON.stringify(parsed, null, 2));
  await screenshot(page, testInfo, 'playground-json-schema');

  await schemaBox.fill('{"type": "object", "not": {}}');
  await page.getByRole('button', { name: /Generate/ }).click();
  await expect(page.locator('#run-status')).toHaveText(/^Error: .*"not"/);
  await expect(page.locator('#output .token')).toHaveCount(0);
  await schemaBox.fill('{"type": ');
  await page.getByRole('button', { name: /Generate/ }).click();
  await expect(page.locator('#run-status')).toHaveText(/^The JSON schema box does not hold JSON: /);
});

test('narrow screens get one column', async ({ page }, testInfo) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await openPlayground(page);
  await generate(page, 'Small screens', 16);
  const panels = page.locator('main.playground > section');
  const [first, second] = [await panels.nth(0).boundingBox(), await panels.nth(1).boundingBox()];
  expect(second!.y).toBeGreaterThan(first!.y + first!.height - 1);
  await screenshot(page, testInfo, 'playground-narrow');
});
