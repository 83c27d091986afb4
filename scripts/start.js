// `npm start`: the example site on Vite's dev server, opened at the playground, which loads the small model shipped
// in public/models/ at once — no download, no ../shared needed. The pickers also list the official RWKV-7 World
// models to download and, when ../shared/fixtures (or $RWKV_FIXTURES) exists, rwkv.cpp's test models. The classic
// script build (dist/rwkv-webgpu.iife.js) is made first when missing, for the script-tag example.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { build, createServer } from 'vite';

const root = resolve(import.meta.dirname, '..');
const configFile = resolve(root, 'vite.config.ts');
const port = Number(process.env.PORT ?? 5173);

if (!existsSync(resolve(root, 'dist', 'rwkv-webgpu.iife.js'))) {
  await build({ configFile, mode: 'lib', logLevel: 'warn' });
}
const server = await createServer({ configFile, mode: 'development', server: { port } });
await server.listen();
const origin = server.resolvedUrls.local[0].replace(/\/$/, '');
console.log(`\n  Playground:  ${origin}/playground/`);
console.log(`  Chat:        ${origin}/chat/`);
console.log(`  Script tag:  ${origin}/script-tag/`);
console.log(`  All:         ${origin}/\n`);
