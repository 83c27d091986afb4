/**
 * Launches the headless Chromium that runs the `webgpu` backend and `bench`: the browser is the runtime. Playwright
 * drives it; it is an optional peer dependency of the package (only these commands need it), imported when a
 * command first asks for a browser. The executable and flags come from chromium-options.ts.
 */
import type { Browser } from 'playwright';
import { RwkvError } from '../../errors.js';
import { chromiumLaunchOptions } from './chromium-options.js';
import type { AdapterChoice } from './chromium-options.js';

/** No usable Chromium could be started, or Playwright (which drives it) is not installed. */
export class BrowserLaunchError extends RwkvError {
  override name = 'BrowserLaunchError';
}

async function importPlaywright(): Promise<typeof import('playwright')> {
  try {
    return await import('playwright');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new BrowserLaunchError(
      "the webgpu backend and bench drive Chromium through Playwright, which is not installed: run 'npm install playwright'",
      { cause: error },
    );
  }
}

export async function launchChromium(adapter: AdapterChoice): Promise<Browser> {
  const { chromium } = await importPlaywright();
  const { executablePath, args } = chromiumLaunchOptions(adapter);
  try {
    return await chromium.launch({ headless: true, executablePath, args });
  } catch (error) {
    const where = executablePath ?? "Playwright's own Chromium";
    throw new BrowserLaunchError(
      `cannot start Chromium (${where}): set CHROME_PATH or install Debian's chromium (${(error as Error).message.split('\n')[0]})`,
      { cause: error },
    );
  }
}
