/**
 * End-to-end tests of the built site (dist/site, made by `npm run test:e2e` before it runs them): Vite's preview
 * server on 127.0.0.1 serves it and the fixtures at /fixtures/; headless Debian Chromium with WebGPU on
 * SwiftShader drives the pages like a person would. One worker: the machine has two cores and the pages run models.
 */
import { resolve } from 'node:path';
import { defineConfig } from '@playwright/test';
import { chromiumLaunchOptions, testAdapter } from '../src/cli/browser/chromium-options.js';

const root = resolve(import.meta.dirname, '..');
const port = Number(process.env.RWKV_E2E_PORT ?? 4174);

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  outputDir: resolve(root, 'test-results/e2e'),
  timeout: 90_000,
  expect: { timeout: 30_000 },
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    browserName: 'chromium',
    launchOptions: chromiumLaunchOptions(testAdapter()),
    viewport: { width: 1280, height: 900 },
    trace: 'retain-on-failure',
  },
  webServer: {
    command: `npx vite preview --port ${port} --strictPort`,
    cwd: root,
    url: `http://127.0.0.1:${port}/`,
    reuseExistingServer: false,
    timeout: 30_000,
  },
});
