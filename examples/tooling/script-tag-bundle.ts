/**
 * Vite plugin of the site build: puts the library's classic-script build (`dist/rwkv-webgpu.iife.js`, made by
 * `vite build --mode lib`) at the site's root, where `examples/script-tag/` loads it with a plain `<script src>`. The
 * dev server serves the same file from `dist/` (run the lib build once first); the site build copies it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plugin } from 'vite';

export const SCRIPT_TAG_FILE = 'rwkv-webgpu.iife.js';

export function scriptTagBundle(distDir: string): Plugin {
  const file = join(distDir, SCRIPT_TAG_FILE);
  const missing = `${file} is missing: run \`vite build --mode lib\` (part of \`npm run build\`) first.`;
  return {
    name: 'rwkv:script-tag-bundle',
    configureServer(server) {
      server.middlewares.use(`/${SCRIPT_TAG_FILE}`, (_request, response) => {
        if (!existsSync(file)) return void response.writeHead(404, { 'content-type': 'text/plain' }).end(missing);
        response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' });
        response.end(readFileSync(file));
      });
    },
    generateBundle() {
      if (!existsSync(file)) this.error(missing);
      this.emitFile({ type: 'asset', fileName: SCRIPT_TAG_FILE, source: readFileSync(file) });
    },
  };
}
