/**
 * Launches the headless Chromium that runs the `webgpu` backend: the browser is the runtime. The executable is
 * found as a user would expect — $CHROME_PATH, then Debian's /usr/bin/chromium, then Playwright's own download.
 * The adapter is the real GPU when there is one; otherwise WebGPU runs on SwiftShader (a CPU Vulkan).
 */
import { existsSync } from 'node:fs';
import { chromium } from 'playwright';
import type { Browser } from 'playwright';
import { chromiumWebGpuArgs } from '../../gpu/browser-flags.js';
import { RwkvError } from '../../errors.js';

export type AdapterChoice = 'hardware' | 'swiftshader';

const SYSTEM_CHROMIUM = '/usr/bin/chromium';

/** No usable Chromium could be started. */
export class BrowserLaunchError extends RwkvError {}

export function findChromium(env: Record<string, string | undefined> = process.env): string | undefined {
  if (env.CHROME_PATH) return env.CHROME_PATH;
  if (existsSync(SYSTEM_CHROMIUM)) return SYSTEM_CHROMIUM;
  return undefined;
}

export async function launchChromium(adapter: AdapterChoice): Promise<Browser> {
  const executablePath = findChromium();
  try {
    return await chromium.launch({ headless: true, executablePath, args: chromiumWebGpuArgs(adapter) });
  } catch (error) {
    const where = executablePath ?? "Playwright's own Chromium";
    throw new BrowserLaunchError(
      `cannot start Chromium (${where}): set CHROME_PATH or install Debian's chromium (${(error as Error).message.split('\n')[0]})`,
      { cause: error },
    );
  }
}
