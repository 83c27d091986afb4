/**
 * The package as its users get it: `npm pack`, then projects in a temporary directory outside the repository
 * install the tarball (and vite and playwright from the registry, at the versions of this repository's lock file):
 * - a Vite app imports 'rwkv-webgpu', builds, and generates text in headless Chromium on WebGPU and on the CPU;
 * - a page imports the browser ESM by URL, another loads the IIFE script tag;
 * - an empty Node project imports the package and generates on the CPU; from it `npx rwkv-webgpu logits --backend
 *   webgpu` and `bench --help` run; in the Vite app, which has no Playwright, the CLI's webgpu backend says how to
 *   install it.
 * Each run (tests/package/consumer/probe.js) is compared with the same probe run on this repository's source over
 * the same seeded synthetic model, and every exported error class must keep its `name` and `instanceof` in every
 * built file and across the worker. Reads the built dist/ (`npm test` runs `npm run build` first); the npm cache and
 * every project live in the temporary directory, removed at the end.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright';
import type { Browser } from 'playwright';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromiumLaunchOptions, testAdapter } from '../../src/cli/browser/chromium-options.js';
import { startStaticServer } from '../../src/cli/browser/static-server.js';
import type { StaticServer } from '../../src/cli/browser/static-server.js';
import * as source from '../../src/index.js';
import { createReferenceModel } from '../../src/reference/model.js';
import { modelBytes, tinyModel } from '../engine/helpers.js';
import { maxAbsDiff, runChunked } from '../reference/helpers.js';

const repo = resolve(import.meta.dirname, '../..');
const consumerFiles = join(import.meta.dirname, 'consumer');
const SHIPPED = [
  'dist/node/index.js',
  'dist/node/index.d.ts',
  'dist/node/cli/main.js',
  'dist/cli-runner/index.html',
  'dist/rwkv-webgpu.js',
  'dist/rwkv-webgpu.iife.js',
];

interface ProbeResult {
  backend: string;
  text: string;
  nll: number;
  errors: { name: string; reported: string; own: boolean; base: boolean }[];
  thrown: { name: string; own: boolean };
}
type Probe = (lib: unknown, settings: Record<string, unknown>) => Promise<ProbeResult>;

const SETTINGS = { prompt: 'The river', maxTokens: 12, seed: 3, scored: 'The river runs to the sea.' };
const model = tinyModel('7', 29);

const work = mkdtempSync(join(tmpdir(), 'rwkv-consumer-'));
const viteApp = join(work, 'vite-app');
const nodeApp = join(work, 'node-app');
const modelFile = join(work, 'model.bin');
const promptFile = join(work, 'prompt.txt');
const logitsFile = join(work, 'logits.f32');
/** `npx rwkv-webgpu logits --backend webgpu` over the test's model and prompt. */
const WEBGPU_LOGITS = [
  '--no',
  'rwkv-webgpu',
  'logits',
  '--backend',
  'webgpu',
  '--model',
  modelFile,
  '--input',
  promptFile,
  '--out',
  logitsFile,
];
let expected: ProbeResult;
let server: StaticServer;
let browser: Browser;

function lockedVersion(name: string): string {
  const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8'));
  return lock.packages[`node_modules/${name}`].version;
}

function run(command: string, args: string[], cwd: string) {
  const started = performance.now();
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1', npm_config_cache: join(work, 'npm-cache') },
  });
  console.log(`${command} ${args.join(' ')}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

function runOk(command: string, args: string[], cwd: string): string {
  const result = run(command, args, cwd);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stderr}`);
  return result.stdout;
}

function project(dir: string, dependencies: Record<string, string>, files: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ private: true, type: 'module', dependencies }, null, 2));
  for (const [to, from] of Object.entries(files)) copyFileSync(join(consumerFiles, from), join(dir, to));
  runOk('npm', ['install', '--no-audit', '--no-fund'], dir);
}

/**
 * Relative paths the build's output loads: static imports and re-exports at the start of a line, dynamic imports,
 * and `new URL(path, import.meta.url)` (the worker's script).
 */
const RELATIVE_IMPORT =
  /^(?:import|export)\b[^;]*?from\s*"(\.{1,2}\/[^"]+)"|\bimport\(\s*"(\.{1,2}\/[^"]+)"\s*\)|\bnew URL\(\s*"(\.{1,2}\/[^"]+)",\s*import\.meta\.url/gm;

/** Relative imports of the installed package's shipped JavaScript files that leave the package or miss. */
function importsOutsidePackage(packageDir: string, files: readonly string[]): string[] {
  const bad: string[] = [];
  for (const file of files.filter((name) => name.endsWith('.js'))) {
    for (const match of readFileSync(join(packageDir, file), 'utf8').matchAll(RELATIVE_IMPORT)) {
      const path = match[1] ?? match[2] ?? match[3];
      const target = resolve(packageDir, dirname(file), path);
      if (relative(packageDir, target).startsWith('..') || !existsSync(target)) bad.push(`${file} → ${path}`);
    }
  }
  return bad;
}

interface Packed {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string }[];
}
let packed: Packed;

beforeAll(async () => {
  const missing = SHIPPED.filter((file) => !existsSync(join(repo, file)));
  if (missing.length > 0) throw new Error(`${missing.join(', ')} missing: run 'npm run build' first`);
  writeFileSync(modelFile, modelBytes(model));
  writeFileSync(promptFile, SETTINGS.prompt);
  const { probe } = (await import(pathToFileURL(join(consumerFiles, 'probe.js')).href)) as { probe: Probe };
  expected = await probe(source, { ...SETTINGS, model: modelBytes(model), backend: 'cpu' });

  [packed] = JSON.parse(runOk('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], repo));
  const tarball = `file:${join(work, packed.filename)}`;
  project(
    nodeApp,
    { 'rwkv-webgpu': tarball, playwright: lockedVersion('playwright') },
    {
      'main.js': 'node-main.js',
      'probe.js': 'probe.js',
    },
  );
  project(
    viteApp,
    { 'rwkv-webgpu': tarball, vite: lockedVersion('vite') },
    {
      'index.html': 'vite-index.html',
      'main.js': 'vite-main.js',
      'probe.js': 'probe.js',
    },
  );
  runOk('npx', ['--no', 'vite', 'build'], viteApp);
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('the packed package', () => {
  test('ships every built file, not the demo site', () => {
    const paths = packed.files.map((file) => file.path);
    expect(paths).toEqual(expect.arrayContaining(SHIPPED));
    expect(paths.filter((path) => path.startsWith('dist/site') || path.startsWith('src/'))).toEqual([]);
    const esm = readFileSync(join(repo, 'dist/rwkv-webgpu.js'));
    console.log(
      `package: ${(packed.size / 1024).toFixed(0)} KiB packed, ${(packed.unpackedSize / 1024).toFixed(0)} KiB ` +
        `unpacked, ${paths.length} files; browser ESM ${(esm.length / 1024).toFixed(0)} KiB raw, ` +
        `${(gzipSync(esm).length / 1024).toFixed(0)} KiB gzipped`,
    );
  });

  test('no relative import of a shipped file leaves the installed package or misses', () => {
    const installed = join(nodeApp, 'node_modules/rwkv-webgpu');
    expect(
      importsOutsidePackage(
        installed,
        packed.files.map((file) => file.path),
      ),
    ).toEqual([]);
  });

  test('an empty Node project imports it and generates on the CPU what the source generates', () => {
    const settings = JSON.stringify({ ...SETTINGS, model: modelFile, backend: 'cpu' });
    expect(JSON.parse(runOk('node', ['main.js', settings], nodeApp))).toEqual(expected);
  });

  test('npx rwkv-webgpu logits --backend webgpu and bench --help run from the installed package', () => {
    const result = run('npx', WEBGPU_LOGITS, nodeApp);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const tokens = [...new TextEncoder().encode(SETTINGS.prompt)];
    const reference = runChunked(createReferenceModel(model), tokens, 1).logits;
    expect(maxAbsDiff(new Float32Array(Uint8Array.from(readFileSync(logitsFile)).buffer), reference)).toBeLessThan(
      1e-3,
    );
    expect(runOk('npx', ['--no', 'rwkv-webgpu', 'bench', '--help'], nodeApp)).toMatch(/^ {2}bench +\[--json FILE\]/m);
  }, 180_000);

  test('a Vite app installs it without Playwright; there the CLI says how to install it', () => {
    expect(existsSync(join(viteApp, 'node_modules/playwright'))).toBe(false);
    const tree = runOk('npm', ['ls', '--all', '--omit=dev'], viteApp).split('\n');
    expect(tree.filter((line) => line.includes('playwright') && !line.includes('UNMET OPTIONAL'))).toEqual([]);
    const cli = run('npx', WEBGPU_LOGITS, viteApp);
    expect(cli.status).toBe(1);
    expect(cli.stderr.trim().split('\n')).toHaveLength(1);
    expect(cli.stderr).toMatch(/^rwkv-webgpu: BrowserLaunchError: .*'npm install playwright'/);
  });
});

describe.each([
  ['the Vite app', '/index.html', 'webgpu'],
  ['the Vite app', '/index.html', 'cpu'],
  ['a page importing the browser ESM by URL', '/esm.html', 'webgpu'],
  ['a page with the IIFE script tag', '/iife.html', 'cpu'],
])('%s (%s) on %s', (_what, page, backend) => {
  test('generates what the source generates; errors keep their identity', async () => {
    if (browser === undefined) {
      const installed = join(viteApp, 'node_modules/rwkv-webgpu/dist');
      server = await startStaticServer(join(viteApp, 'dist'), {
        '/model.bin': modelFile,
        '/esm.html': join(consumerFiles, 'esm.html'),
        '/iife.html': join(consumerFiles, 'iife.html'),
        '/probe.js': join(consumerFiles, 'probe.js'),
        '/rwkv-webgpu.js': join(installed, 'rwkv-webgpu.js'),
        '/rwkv-webgpu.iife.js': join(installed, 'rwkv-webgpu.iife.js'),
      });
      browser = await chromium.launch({ headless: true, ...chromiumLaunchOptions(testAdapter()) });
    }
    const tab = await browser.newPage();
    const settings = encodeURIComponent(JSON.stringify({ ...SETTINGS, model: '/model.bin', backend }));
    await tab.goto(`${server.origin}${page}?settings=${settings}`);
    const result = (await tab.evaluate('window.probeResult')) as ProbeResult;
    await tab.close();
    expect(result.backend).toBe(backend);
    expect(result.errors).toEqual(expected.errors);
    expect(result.thrown).toEqual({ name: 'ModelFormatError', own: true });
    if (backend === 'cpu') {
      expect(result.text).toBe(expected.text);
      expect(Math.abs(result.nll - expected.nll)).toBeLessThan(1e-9);
    } else {
      expect(result.text.length).toBeGreaterThan(0);
      expect(Math.abs(result.nll - expected.nll)).toBeLessThan(1e-3);
    }
  }, 180_000);
});

test('every exported error class keeps its identity in the source the built files are compared with', () => {
  expect(expected.errors.length).toBeGreaterThanOrEqual(14);
  for (const error of expected.errors)
    expect(error).toEqual({ name: error.name, reported: error.name, own: true, base: true });
  expect(expected.thrown).toEqual({ name: 'ModelFormatError', own: true });
});
