/**
 * Vite plugin of the library build: turns every `new Worker(new URL('./file.js', import.meta.url), options)` of the
 * sources into a worker whose code is inlined in the bundle (Vite's `?worker&inline`: a Blob URL made at run time).
 * The classic script `rwkv-webgpu.iife.js` then needs no second file: one `<script src>` works from any page, path
 * or CDN origin (a worker script from another origin would be refused; a Blob URL is always same-origin).
 */
import type { Plugin } from 'vite';

const WORKER_CONSTRUCTION =
  /\bnew\s+Worker\s*\(\s*new\s+URL\s*\(\s*(['"])([^'"]+)\1\s*,\s*import\.meta\.url\s*\)\s*,?/g;

export function inlineWorkers(): Plugin {
  return {
    name: 'rwkv:inline-workers',
    enforce: 'pre',
    transform(code, id) {
      if (id.includes('/node_modules/') || !/\.[cm]?[jt]s$/.test(id) || !code.includes('new Worker')) return null;
      const imports: string[] = [];
      const transformed = code.replace(WORKER_CONSTRUCTION, (_match, _quote, path: string) => {
        const name = `__rwkvInlineWorker${imports.length}`;
        imports.push(`import ${name} from ${JSON.stringify(`${path}?worker&inline`)};`);
        return `new ${name}(`;
      });
      if (imports.length === 0) return null;
      return { code: `${imports.join('\n')}\n${transformed}`, map: null };
    },
  };
}
