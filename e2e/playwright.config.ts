/**
 * End-to-end tests of the built site (dist/site, made by `npm run test:e2e` before it runs them): Vite's preview
 * server on 127.0.0.1 serves it and the fixtures at /fixtures/; headless Debian Chromium with WebGPU on
 * SwiftShader drives the pages like a person would. One worker: the machine has two cores and the pages run models.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from '@playwright/test';
import { chromiumWebGpuArgs } from '../src/gpu/browser-flags.js';

const root = resolve(import.meta.dirname, '..');
const port = Number(process.env.RWKV_E2E_PORT ?? 4174);
const executablePath = process.env.CHROME_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);

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
    launchOptions: {
      executablePath,
      args: chromiumWebGpuArgs(process.env.RWKV_GPU === 'hardware' ? 'hardware' : 'swiftshader'),
    },
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
