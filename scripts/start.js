// `npm start`: the example site on Vite's dev server, opened at the playground. With the test fixtures beside the
// repository (../shared/fixtures, or $RWKV_FIXTURES), the printed address preloads a tiny RWKV-7 model from
// /fixtures/; otherwise the playground's picker offers the official RWKV-7 World models to download. The classic
// script build (dist/rwkv-webgpu.iife.js) is made first when missing, for the script-tag example.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { build, createServer } from 'vite';

const root = resolve(import.meta.dirname, '..');
const fixturesDir = process.env.RWKV_FIXTURES ?? resolve(root, '..', 'shared', 'fixtures');
const fixtureModel = 'rwkv-cpp/tiny-rwkv-7v0-834K-FP32.bin';
const configFile = resolve(root, 'vite.config.ts');
const port = Number(process.env.PORT ?? 5173);

if (!existsSync(resolve(root, 'dist', 'rwkv-webgpu.iife.js'))) {
  await build({ configFile, mode: 'lib', logLevel: 'warn' });
}
const server = await createServer({ configFile, mode: 'development', server: { port } });
await server.listen();
const origin = server.resolvedUrls.local[0].replace(/\/$/, '');
const playground = existsSync(resolve(fixturesDir, fixtureModel))
  ? `${origin}/playground/?model=/fixtures/${fixtureModel}`
  : `${origin}/playground/`;
console.log(`\n  Playground:  ${playground}`);
console.log(`  Chat:        ${origin}/chat/`);
console.log(`  Script tag:  ${origin}/script-tag/`);
console.log(`  All:         ${origin}/\n`);
if (!playground.includes('?model=')) {
  console.log('  No fixtures found: pick an official RWKV-7 World model in the playground to download it.\n');
}
