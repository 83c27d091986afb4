/**
 * How this project starts Chromium with WebGPU, written once for the CLI (chromium.ts), vitest's browser tests
 * (vitest.config.ts) and the e2e tests (e2e/playwright.config.ts): the executable — $CHROME_PATH, then Debian's
 * /usr/bin/chromium, else none (Playwright's own download) — and the command-line flags that expose WebGPU in
 * headless mode, on the machine's GPU ('hardware') or on SwiftShader, a CPU Vulkan, where there is none.
 */
import { existsSync } from 'node:fs';

export type AdapterChoice = 'hardware' | 'swiftshader';

type Environment = Readonly<Record<string, string | undefined>>;

const SYSTEM_CHROMIUM = '/usr/bin/chromium';

export interface ChromiumLaunchOptions {
  /** undefined: Playwright's own Chromium. */
  executablePath: string | undefined;
  args: string[];
}

export function findChromium(env: Environment = process.env): string | undefined {
  if (env.CHROME_PATH) return env.CHROME_PATH;
  return existsSync(SYSTEM_CHROMIUM) ? SYSTEM_CHROMIUM : undefined;
}

function webGpuArgs(adapter: AdapterChoice): string[] {
  const common = [
    '--enable-unsafe-webgpu',
    '--enable-features=Vulkan',
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-vulkan-surface',
  ];
  // The GPU through Vulkan, ANGLE on Vulkan too (what Chrome's team gives for WebGPU in headless Linux).
  if (adapter === 'hardware') return [...common, '--use-angle=vulkan', '--ignore-gpu-blocklist'];
  return [...common, '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader'];
}

export function chromiumLaunchOptions(adapter: AdapterChoice, env: Environment = process.env): ChromiumLaunchOptions {
  return { executablePath: findChromium(env), args: webGpuArgs(adapter) };
}

/** The adapter the test suites run on: the GPU with RWKV_GPU=hardware, SwiftShader otherwise. */
export function testAdapter(env: Environment = process.env): AdapterChoice {
  return env.RWKV_GPU === 'hardware' ? 'hardware' : 'swiftshader';
}
