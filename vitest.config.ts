import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { chromiumLaunchOptions, testAdapter } from './src/cli/browser/chromium-options.js';

/** Absolute path of ../shared/fixtures; browser tests fetch it through Vite's /@fs/ route (see tests/browser/fixtures.ts). */
const fixturesDir = process.env.RWKV_FIXTURES ?? resolve(import.meta.dirname, '..', 'shared', 'fixtures');

/** Headless Chromium (WebGPU on SwiftShader where there is no GPU), for each browser project its own (Vitest names it). */
const browser = () => ({
  enabled: true,
  headless: true,
  screenshotFailures: false,
  provider: playwright({
    launchOptions: chromiumLaunchOptions(testAdapter()),
  }),
  instances: [{ browser: 'chromium' as const }],
});

/** Tests that need a cross-origin-isolated page (the CPU backend's threads): their own project, served with these. */
const ISOLATED_TESTS = 'tests/browser/isolated/**/*.test.ts';

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
          exclude: [ISOLATED_TESTS],
          provide: { fixturesDir, fixturesPresent: existsSync(resolve(fixturesDir, 'rwkv-cpp')) },
          globalSetup: ['tests/browser/server/global-setup.ts'],
          testTimeout: 300_000,
          // One test file at a time: WebGPU work in parallel test iframes on SwiftShader stalls for minutes.
          fileParallelism: false,
          browser: browser(),
        },
      },
      {
        extends: true,
        server: {
          headers: {
            'Cross-Origin-Opener-Policy': 'same-origin',
            'Cross-Origin-Embedder-Policy': 'require-corp',
          },
        },
        test: {
          name: 'browser-isolated',
          include: [ISOLATED_TESTS],
          testTimeout: 300_000,
          browser: browser(),
        },
      },
    ],
  },
});
