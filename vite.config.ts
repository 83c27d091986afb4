/**
 * Vite builds, one per mode:
 *   --mode cli-runner  the page the CLI's `webgpu` backend and `bench` load in headless Chromium → dist/cli-runner/
 */
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

const root = import.meta.dirname;

export default defineConfig(({ mode }) => {
  if (mode === 'cli-runner') {
    return {
      root: resolve(root, 'src/cli/runner'),
      base: './',
      build: { outDir: resolve(root, 'dist/cli-runner'), emptyOutDir: true, target: 'es2022' },
    };
  }
  throw new Error(`vite.config.ts: unknown mode '${mode}'`);
});
