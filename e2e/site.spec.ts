/**
 * The site's front page links the three examples, and each of them is served from its own folder.
 */
import { expect, test } from '@playwright/test';
import { expectLabelledControls, screenshot } from './fixtures.js';

test('the index page links the chat, the playground and the script-tag example', async ({ page }, testInfo) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'rwkv-webgpu' })).toBeVisible();
  for (const [name, heading] of [
    ['Chat', 'RWKV Chat'],
    ['Playground', 'RWKV playground'],
    ['Script tag', 'rwkv-webgpu from a script tag'],
  ]) {
    await page.getByRole('link', { name, exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
    await expectLabelledControls(page);
    await page.goto('/');
  }
  await screenshot(page, testInfo, 'index');
});
