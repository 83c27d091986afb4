/**
 * Chromium command-line flags that expose WebGPU in headless mode. On machines without a GPU, WebGPU runs on
 * SwiftShader (a CPU Vulkan); with a GPU, drop the SwiftShader flags (see `chromiumWebGpuArgs`).
 */
export function chromiumWebGpuArgs(adapter: 'swiftshader' | 'hardware' = 'swiftshader'): string[] {
  const common = [
    '--enable-unsafe-webgpu',
    '--enable-features=Vulkan',
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-vulkan-surface',
  ];
  if (adapter === 'hardware') return [...common, '--ignore-gpu-blocklist'];
  return [...common, '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader'];
}

/** Where to find Chromium, as a user would expect: $CHROME_PATH, then Debian's /usr/bin/chromium. */
export function chromiumExecutablePath(env: Record<string, string | undefined> = process.env): string | undefined {
  return env.CHROME_PATH || env.CHROMIUM_PATH || undefined;
}
