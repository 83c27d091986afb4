/** The committed kernels module (src/wasm/kernels-wasm.ts) is what assembly/kernels.ts compiles to. */
import { execFileSync } from 'node:child_process';
import { expect, it } from 'vitest';

it('src/wasm/kernels-wasm.ts matches its AssemblyScript source', () => {
  const output = execFileSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], { encoding: 'utf8' });
  expect(output).toMatch(/matches assembly\/kernels\.ts \(\d+ bytes of WebAssembly\)/);
});
