import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { chromiumLaunchOptions, testAdapter } from './src/cli/browser/chromium-options.js';

/** Absolute path of ../shared/fixtures; browser tests fetch it through Vite's /@fs/ route (see tests/browser/fixtures.ts). */
const fixturesDir = process.env.RWKV_FIXTURES ?? resolve(import.meta.dirname, '..', 'shared', 'fixtures');

export default defineConfig({
  server: { host: '127.0.0.1', fs: { allow: ['.', fixturesDir] } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['tests/**/*.test.ts'],
          exclude: ['tests/browser/**'],
          environment: 'node',
          testTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['tests/browser/**/*.test.ts'],
          provide: { fixturesDir, fixturesPresent: existsSync(resolve(fixturesDir, 'rwkv-cpp')) },
          globalSetup: ['tests/browser/server/global-setup.ts'],
          testTimeout: 300_000,
          // One test file at a time: WebGPU work in parallel test iframes on SwiftShader stalls for minutes.
          fileParallelism: false,
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({
              launchOptions: chromiumLaunchOptions(testAdapter()),
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
