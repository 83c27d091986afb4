import { existsSync } from 'node:fs';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { chromiumWebGpuArgs } from './src/gpu/browser-flags.js';

const executablePath = process.env.CHROME_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);
const gpuAdapter = process.env.RWKV_GPU === 'hardware' ? 'hardware' : 'swiftshader';

export default defineConfig({
  server: { host: '127.0.0.1', fs: { allow: ['.', '../shared'] } },
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
          testTimeout: 300_000,
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({
              launchOptions: { executablePath, args: chromiumWebGpuArgs(gpuAdapter) },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
