/**
 * Opens the CLI's runner page (dist/cli-runner, built by `npm run build:runner`) in headless Chromium on a loopback
 * server, on the real GPU when the browser finds one and on SwiftShader otherwise (or only the set-ups the caller
 * names), and returns a handle to call
 * `window.rwkvRunner` (src/cli/runner/runner-api.ts) from Node.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright';
import { reviveError } from '../../engine/remote-errors.js';
import { WebGPUUnavailableError } from '../../errors.js';
import type { AdapterReport, RunnerApi } from '../runner/runner-api.js';
import { launchChromium } from './chromium.js';
import type { AdapterChoice } from './chromium-options.js';
import { startStaticServer } from './static-server.js';
import type { StaticServer } from './static-server.js';

const RUNNER_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../cli-runner');

export interface RunnerPage {
  readonly page: Page;
  readonly adapter: AdapterReport;
  /** Calls `window.rwkvRunner[method](...args)` in the page. */
  call<K extends keyof RunnerApi>(
    method: K,
    ...args: Parameters<RunnerApi[K]>
  ): Promise<Awaited<ReturnType<RunnerApi[K]>>>;
  close(): Promise<void>;
}

async function openOn(adapterChoice: AdapterChoice, server: StaticServer, onLog: (line: string) => void) {
  const browser: Browser = await launchChromium(adapterChoice);
  const page = await browser.newPage();
  page.on('console', (message) => onLog(message.text()));
  await page.goto(`${server.origin}/index.html`);
  await page.waitForFunction(() => window.rwkvRunner !== undefined);
  const adapter = await page.evaluate(() => window.rwkvRunner!.adapter());
  return { browser, page, adapter };
}

/**
 * `files` maps URL paths (e.g. '/model') to local files the page may fetch. `adapters`: the Chromium set-ups tried
 * in turn until one offers a WebGPU adapter (by default the GPU, then SwiftShader).
 */
export async function openRunnerPage(
  files: Readonly<Record<string, string>>,
  onLog: (line: string) => void = () => {},
  adapters: readonly AdapterChoice[] = ['hardware', 'swiftshader'],
): Promise<RunnerPage> {
  if (!existsSync(resolve(RUNNER_DIR, 'index.html'))) {
    throw new Error(`${RUNNER_DIR} is missing: run 'npm run build:runner' (part of 'npm run build') first`);
  }
  const server = await startStaticServer(RUNNER_DIR, files);
  let opened: Awaited<ReturnType<typeof openOn>> | undefined;
  try {
    for (const choice of adapters) {
      await opened?.browser.close();
      opened = await openOn(choice, server, onLog);
      if (opened.adapter !== null) break;
    }
  } catch (error) {
    await server.close();
    throw error;
  }
  const { browser, page, adapter } = opened!;
  if (adapter === null) {
    await browser.close();
    await server.close();
    throw new WebGPUUnavailableError(`Chromium offers no WebGPU adapter (tried: ${adapters.join(', ')}).`);
  }
  return {
    page,
    adapter,
    async call(method, ...args) {
      const outcome = await page.evaluate(
        async ([name, values]) => {
          try {
            const run = window.rwkvRunner![name] as (...a: unknown[]) => Promise<unknown>;
            return { ok: true as const, value: await run(...values) };
          } catch (error) {
            return { ok: false as const, name: (error as Error).name, message: (error as Error).message };
          }
        },
        [method, args] as const,
      );
      if (!outcome.ok) {
        const error = new Error(outcome.message);
        error.name = outcome.name;
        throw reviveError(error);
      }
      return outcome.value as never;
    },
    async close() {
      await browser.close();
      await server.close();
    },
  };
}
