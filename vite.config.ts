/**
 * Vite builds, one per mode:
 *   --mode node        the Node build → dist/node/ (the package's `node` export and the CLI): one module per source
 *                      file, dependencies left as imports, the WGSL kernels inlined as strings (`?raw` is resolved
 *                      here, so nothing in the package points outside it); tsc adds the .d.ts files beside them
 *   (default)          the site: examples/ (index, script-tag, chat PWA, playground) — dev server, `vite build` →
 *                      dist/site/, `vite preview` serves dist/site; dev and preview serve ../shared/fixtures at /fixtures/
 *   --mode lib         the library for browsers without a bundler → dist/rwkv-webgpu.js (ESM) and
 *                      dist/rwkv-webgpu.iife.js (classic script defining `window.RWKV`), workers inlined
 *   --mode cli-runner  the page the CLI's `webgpu` backend and `bench` load in headless Chromium → dist/cli-runner/
 */
import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import type { UserConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { inlineWorkers } from './examples/tooling/inline-workers.js';
import { scriptTagBundle } from './examples/tooling/script-tag-bundle.js';
import { serveFixtures } from './examples/tooling/serve-fixtures.js';

const root = import.meta.dirname;
const fixturesDir = process.env.RWKV_FIXTURES ?? resolve(root, '..', 'shared', 'fixtures');
const examples = resolve(root, 'examples');

/**
 * The example pages are cross-origin isolated, so that the CPU backend may run threads sharing its memory
 * (docs/cpu.md, "Threads"). Every resource the pages load is same-origin, or fetched in CORS mode (models,
 * vocabularies), which require-corp lets through.
 */
const crossOriginIsolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig(({ mode }): UserConfig => {
  if (mode === 'cli-runner') {
    return {
      root: resolve(root, 'src/cli/runner'),
      base: './',
      build: { outDir: resolve(root, 'dist/cli-runner'), emptyOutDir: true, target: 'es2022' },
    };
  }
  if (mode === 'node') {
    return {
      publicDir: false,
      build: {
        ssr: true,
        outDir: resolve(root, 'dist/node'),
        emptyOutDir: true,
        target: 'node20',
        rolldownOptions: {
          input: {
            index: resolve(root, 'src/index.ts'),
            'cli/main': resolve(root, 'src/cli/main.ts'),
            'worker/entry': resolve(root, 'src/worker/entry.ts'),
            // Started by src/wasm/node-threads.ts as a worker_threads worker, by its path next to that module.
            'wasm/node-thread': resolve(root, 'src/wasm/node-thread.js'),
            // Started by src/wasm/web-threads.ts (runtimes with Web Workers and cross-origin isolation), likewise.
            'wasm/web-thread': resolve(root, 'src/wasm/web-thread.ts'),
          },
          output: { preserveModules: true, preserveModulesRoot: resolve(root, 'src'), entryFileNames: '[name].js' },
        },
      },
    };
  }
  if (mode === 'lib') {
    return {
      publicDir: false,
      build: {
        outDir: resolve(root, 'dist'),
        emptyOutDir: false,
        target: 'es2022',
        // One file per format: a CDN user fetches exactly one script.
        rolldownOptions: { output: { codeSplitting: false } },
        lib: {
          entry: resolve(root, 'src/index.ts'),
          name: 'RWKV',
          formats: ['es', 'iife'],
          fileName: (format) => (format === 'iife' ? 'rwkv-webgpu.iife.js' : 'rwkv-webgpu.js'),
        },
      },
      // The engine worker's own workers (the CPU backend's threads, src/wasm/web-threads.ts) are inlined too.
      worker: { format: 'es', rolldownOptions: { output: { codeSplitting: false } }, plugins: () => [inlineWorkers()] },
      plugins: [inlineWorkers()],
    };
  }
  if (mode === 'production' || mode === 'development') {
    return {
      root: examples,
      base: '/',
      publicDir: resolve(root, 'public'),
      server: { host: '127.0.0.1', fs: { allow: [root, fixturesDir] }, headers: crossOriginIsolation },
      preview: { host: '127.0.0.1', headers: crossOriginIsolation },
      build: {
        outDir: resolve(root, 'dist/site'),
        emptyOutDir: true,
        target: 'es2022',
        rolldownOptions: {
          input: {
            index: resolve(examples, 'index.html'),
            'script-tag': resolve(examples, 'script-tag/index.html'),
            chat: resolve(examples, 'chat/index.html'),
            playground: resolve(examples, 'playground/index.html'),
          },
        },
      },
      worker: { format: 'es' },
      plugins: [
        serveFixtures(fixturesDir),
        scriptTagBundle(resolve(root, 'dist')),
        VitePWA({
          // The chat page registers the worker itself (virtual:pwa-register) and links its own manifest
          // (public/chat/manifest.webmanifest), so the other pages are not installable as the chat.
          injectRegister: false,
          manifest: false,
          registerType: 'autoUpdate',
          workbox: {
            // A new version takes over at once, and the first visit is controlled without a reload.
            skipWaiting: true,
            clientsClaim: true,
            globPatterns: ['**/*.{html,js,css,webmanifest,png,svg}'],
            // 1 MiB is not enough for a bundle holding the engine, its inlined worker and the WGSL kernels.
            maximumFileSizeToCacheInBytes: 16 * 1024 * 1024,
            // `/chat/?model=…` is the precached `/chat/index.html`: query strings do not name other pages.
            ignoreURLParametersMatching: [/.*/],
            navigateFallback: null,
            // Tokenizer vocabularies come from their own hosts at every load: keep a copy for offline use.
            runtimeCaching: [
              {
                urlPattern: /\/(rwkv_vocab_v20230424\.txt|20B_tokenizer\.json)$/,
                handler: 'CacheFirst',
                options: { cacheName: 'rwkv-tokenizers', cacheableResponse: { statuses: [0, 200] } },
              },
            ],
          },
        }),
      ],
    };
  }
  throw new Error(`vite.config.ts: unknown mode '${mode}'`);
});
