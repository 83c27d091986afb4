/**
 * The offline chat PWA: it answers, shows text as text, stops on request, keeps several conversations, and after
 * going offline and reloading it still has every conversation and answers again from the saved RNN state (reading
 * only the new turn). It is installable (Chromium's own installability check). What the user types is never lost:
 * queued while the model loads or a reply streams, kept with a note when no model could be loaded (these tests use
 * the embedded model, so they run without fixtures). A state-tuning file loaded under "Initial state" starts the
 * next conversation.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import { expectLabelledControls, screenshot, skipWithoutFixtures, stateTuningFile, withModel } from './fixtures.js';

async function openChat(page: Page): Promise<void> {
  skipWithoutFixtures();
  await page.goto(withModel('/chat/'));
  await expect(page.locator('#model-status')).toContainText('RWKV v7', { timeout: 60_000 });
}

async function setReplyLimit(page: Page, tokens: number): Promise<void> {
  const settings = page.locator('details', { has: page.getByText('Settings') });
  if (!(await settings.getAttribute('open'))) await settings.locator('summary').click();
  await page.getByLabel('Reply length limit (tokens)').fill(String(tokens));
}

/** Types a message, sends it with Enter and waits for the reply's note. Returns the reply's note. */
async function ask(page: Page, message: string): Promise<string> {
  const replies = page.locator('.message.assistant');
  const before = await replies.count();
  await page.getByLabel('Message').fill(message);
  await page.getByLabel('Message').press('Enter');
  const note = replies.nth(before).locator('.note');
  await expect(note).toBeVisible({ timeout: 60_000 });
  return (await note.textContent())!;
}

test('answers, renders text as text, resumes offline after a reload from the saved state', async ({
  page,
  context,
}, testInfo) => {
  await openChat(page);
  await page.evaluate(() => navigator.serviceWorker.ready);
  await setReplyLimit(page, 24);

  const hostile = '<img src=x onerror="window.injected=1"><b>bold</b>';
  const firstNote = await ask(page, hostile);
  expect(firstNote).toMatch(/^read \d+ tokens · \d+ tokens at [\d.]+ tok\/s$/);
  const userMessage = page.locator('.message.user .content').first();
  await expect(userMessage).toHaveText(hostile);
  expect(await page.locator('.messages b, .messages img').count()).toBe(0);
  expect(await page.evaluate(() => 'injected' in window)).toBe(false);
  const firstReply = (await page.locator('.message.assistant .content').first().textContent())!;
  await screenshot(page, testInfo, 'chat-answered');

  await context.setOffline(true);
  await page.reload();
  await expect(page.locator('#model-status')).toContainText('RWKV v7', { timeout: 60_000 });
  await expect(page.locator('#offline-status')).toContainText('Offline');
  await expect(page.locator('.message.user .content').first()).toHaveText(hostile);
  await expect(page.locator('.message.assistant .content').first()).toHaveText(firstReply);
  await expect(page.getByLabel('Reply length limit (tokens)')).toHaveValue('24');

  const follow = 'And then?';
  const secondNote = await ask(page, follow);
  // The saved state is used: only the new turn is read, never the whole conversation again.
  const turnBytes = new TextEncoder().encode(`\n\nUser: ${follow}\n\nAssistant:`).length;
  const match = /^read (\d+) new tokens onto the saved state/.exec(secondNote);
  expect(match, secondNote).not.toBeNull();
  expect(Number(match![1])).toBeLessThanOrEqual(turnBytes);
  expect(Number(match![1])).toBeGreaterThan(turnBytes - '\n\nUser:'.length - 1);
  expect(Number(/ · (\d+) tokens at /.exec(secondNote)?.[1])).toBeLessThanOrEqual(24);
  await expect(page.locator('.message.assistant')).toHaveCount(2);
  await screenshot(page, testInfo, 'chat-offline-after-reload');
});

test('Stop ends a reply early and keeps what was written', async ({ page }) => {
  await openChat(page);
  await setReplyLimit(page, 4000);
  await page.getByLabel('Message').fill('Tell me a long story.');
  await page.getByLabel('Message').press('Enter');
  const reply = page.locator('.message.assistant .content').first();
  await expect(reply).toHaveText(/\S/, { timeout: 60_000 });
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.locator('.message.assistant .note')).toContainText('stopped');
  await expect(page.getByRole('button', { name: 'Send' })).toBeEnabled();
  await expect(page.getByRole('button', { name: 'Stop' })).toBeHidden();
});

test('keeps several conversations, each with its own history, across reloads', async ({ page }, testInfo) => {
  await openChat(page);
  await setReplyLimit(page, 8);
  await ask(page, 'First conversation');
  await page.getByRole('button', { name: 'New conversation' }).click();
  await expect(page.locator('.message')).toHaveCount(0);
  await ask(page, 'Second conversation');
  const conversations = page.getByRole('navigation', { name: 'Conversations' }).locator('button.open');
  await expect(conversations).toHaveText(['Second conversation', 'First conversation']);

  await page.reload();
  await expect(page.locator('#model-status')).toContainText('RWKV v7', { timeout: 60_000 });
  await expect(conversations).toHaveText(['Second conversation', 'First conversation']);
  await conversations.filter({ hasText: 'First conversation' }).click();
  await expect(page.locator('.message.user .content')).toHaveText(['First conversation']);
  await expect(page.getByRole('heading', { level: 2, name: 'First conversation' })).toBeVisible();
  // Each conversation continues from its own checkpoint.
  expect(await ask(page, 'Back to the first')).toMatch(/^read \d+ new tokens onto the saved state/);
  await conversations.filter({ hasText: 'Second conversation' }).click();
  expect(await ask(page, 'Back to the second')).toMatch(/^read \d+ new tokens onto the saved state/);
  await expect(page.locator('.message.user .content')).toHaveText(['Second conversation', 'Back to the second']);
  await expectLabelledControls(page);
  await screenshot(page, testInfo, 'chat-conversations');
});

test('keyboard only: Tab to the message box, type, Enter sends', async ({ page }) => {
  await openChat(page);
  await setReplyLimit(page, 8);
  await page.locator('body').focus();
  for (let presses = 0; presses < 40; presses++) {
    await page.keyboard.press('Tab');
    if (await page.getByLabel('Message').evaluate((box) => box === document.activeElement)) break;
  }
  await expect(page.getByLabel('Message')).toBeFocused();
  await page.keyboard.type('Hello from the keyboard');
  await page.keyboard.press('Enter');
  await expect(page.locator('.message.assistant .note')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByLabel('Message')).toBeFocused();
});

test('a state-tuning file under Initial state starts the next conversation', async ({ page }) => {
  await openChat(page);
  await setReplyLimit(page, 8);
  await page
    .locator('details', { has: page.getByText('Initial state') })
    .locator('summary')
    .click();
  await page
    .getByLabel('Load a state-tuning file (.pth, .safetensors)')
    .setInputFiles(stateTuningFile('persona.safetensors'));
  await expect(page.getByText('Loaded persona.safetensors: new sessions start from it.')).toBeVisible();
  await expect(page.getByLabel('Initial state', { exact: true })).toHaveValue('persona.safetensors');
  expect(await ask(page, 'Who are you?')).toMatch(/^read \d+ tokens/);
});

test('narrow screens get one column', async ({ page }, testInfo) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await openChat(page);
  await setReplyLimit(page, 16);
  await ask(page, 'Hi from a phone');
  const sidebar = await page.locator('.sidebar').boundingBox();
  const conversation = await page.locator('.conversation').boundingBox();
  expect(conversation!.y).toBeGreaterThanOrEqual(sidebar!.y + sidebar!.height - 1);
  await screenshot(page, testInfo, 'chat-narrow');
});

test('is installable: manifest, icons and a service worker that controls the page', async ({ playwright, baseURL }) => {
  // Playwright's usual contexts are incognito, where Chromium never offers to install: use a persistent profile.
  const profile = mkdtempSync(join(tmpdir(), 'rwkv-e2e-profile-'));
  const context = await playwright.chromium.launchPersistentContext(profile, {
    ...test.info().project.use.launchOptions,
    baseURL,
  });
  try {
    const page = await context.newPage();
    await page.goto('/chat/');
    await page.evaluate(() => navigator.serviceWorker.ready);
    await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
    await expect(page.locator('#offline-status')).toHaveText('Works offline');
    const cdp = await context.newCDPSession(page);
    const manifest = await cdp.send('Page.getAppManifest');
    expect(manifest.errors).toEqual([]);
    expect(JSON.parse(manifest.data!).name).toBe('RWKV Chat');
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    expect(installabilityErrors).toEqual([]);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});

const EMBEDDED_PATH = '/models/tiny-rwkv-5v2-730K-FP16.bin';

test('a message typed while the model loads is queued, then sent as soon as it is ready', async ({ page }) => {
  let release = (): void => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(`**${EMBEDDED_PATH}`, async (route) => {
    await held;
    await route.continue();
  });
  await page.goto('/chat/?backend=cpu');
  const box = page.getByLabel('Message');
  await expect(box).toHaveAttribute('placeholder', /model is loading/);
  await setReplyLimit(page, 8);
  await box.fill('Sent while loading');
  await box.press('Enter');
  await expect(page.locator('#composer-status')).toHaveText(/^Queued: sent as soon as the model is ready/);
  await expect(box).toHaveValue('Sent while loading');
  await expect(page.getByRole('button', { name: 'Queue' })).toBeVisible();
  await expect(page.locator('.message')).toHaveCount(0);

  release();
  await expect(page.locator('.message.user .content')).toHaveText(['Sent while loading'], { timeout: 60_000 });
  await expect(page.locator('.message.assistant .note')).toBeVisible({ timeout: 60_000 });
  await expect(box).toHaveValue('');
  await expect(page.locator('#composer-status')).toHaveText('');
  await expect(page.getByRole('button', { name: 'Send' })).toBeVisible();
});

test('Enter while a reply streams queues the next message; it is sent when the reply ends', async ({ page }) => {
  await page.goto('/chat/?backend=cpu');
  await expect(page.locator('#model-status')).toContainText('RWKV v5.2', { timeout: 60_000 });
  await setReplyLimit(page, 4000);
  const box = page.getByLabel('Message');
  await box.fill('First');
  await box.press('Enter');
  await expect(page.locator('.message.assistant .content').first()).toHaveText(/\S/, { timeout: 60_000 });
  await box.fill('Second');
  await box.press('Enter');
  await expect(page.locator('#composer-status')).toHaveText(/^Queued: sent when this reply ends/);
  await expect(box).toHaveValue('Second');
  await expect(page.locator('.message.user .content')).toHaveText(['First']);

  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.locator('.message.user .content')).toHaveText(['First', 'Second'], { timeout: 30_000 });
  await expect(box).toHaveValue('');
  await expect(page.locator('.message.assistant .content').nth(1)).toHaveText(/\S/, { timeout: 60_000 });
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.locator('.message.assistant .note')).toHaveCount(2);
});

test('a model that fails to load shows the error and the picker; the typed message stays', async ({
  page,
  baseURL,
}) => {
  await page.goto('/chat/?model=/models/no-such-model.bin&backend=cpu');
  await expect(page.locator('#model-status')).toContainText('Could not load no-such-model.bin: ', {
    timeout: 60_000,
  });
  await expect(page.locator('#model-panel')).toHaveAttribute('open', '');
  const box = page.getByLabel('Message');
  await box.fill('Still here');
  await box.press('Enter');
  await expect(page.locator('#composer-status')).toHaveText(
    'No model loaded: pick one under Model. Your message stays here.',
  );
  await expect(box).toHaveValue('Still here');
  await expect(page.locator('.message')).toHaveCount(0);

  await page.locator('#model-list').selectOption(new URL(EMBEDDED_PATH, baseURL).href);
  await page.getByRole('button', { name: 'Load model' }).click();
  await expect(page.locator('#model-status')).toContainText('RWKV v5.2', { timeout: 60_000 });
  await expect(box).toHaveValue('Still here');
  await setReplyLimit(page, 8);
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.locator('.message.user .content')).toHaveText(['Still here']);
  await expect(page.locator('.message.assistant .note')).toBeVisible({ timeout: 60_000 });
});
