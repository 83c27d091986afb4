/**
 * `rwkv-webgpu bench --require-gpu` (`npm run bench:gpu`): the benchmark on the machine's GPU only. Here, where
 * Chromium's GPU set-up finds only SwiftShader, it refuses (exit 1, the reason on stderr and in the JSON), and with
 * --allow-software it measures SwiftShader and says so (`adapter.software`); --probe-only keeps that run to seconds.
 * The adapter check itself is tested on the names real adapters give.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSoftwareAdapter } from '../../src/bench/software-adapter.js';
import { runCli } from './run-cli.js';

const workDir = mkdtempSync(join(tmpdir(), 'rwkv-bench-gpu-'));
const onGpuMachine = process.env.RWKV_GPU === 'hardware';

describe('bench --require-gpu', () => {
  it('tells software adapters from GPUs by their names', () => {
    expect(isSoftwareAdapter({ vendor: 'google', architecture: 'swiftshader', description: '' })).toBe(true);
    expect(
      isSoftwareAdapter({ vendor: 'mesa', architecture: '', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' }),
    ).toBe(true);
    expect(
      isSoftwareAdapter({ vendor: 'microsoft', architecture: '', description: 'Microsoft Basic Render Driver' }),
    ).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200' })).toBe(false);
    expect(isSoftwareAdapter({ vendor: 'amd', architecture: 'rdna-3', description: '' })).toBe(false);
  });

  it('refuses SwiftShader, saying why on stderr and in the JSON', (test) => {
    if (onGpuMachine) {
      console.warn('!!! RWKV_GPU=hardware: this machine has a GPU, so bench --require-gpu would not refuse');
      test.skip();
    }
    const json = join(workDir, 'refused.json');
    const result = runCli(['bench', '--require-gpu', '--json', json]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/WebGPUUnavailableError: bench --require-gpu: .*(runs on the CPU|no WebGPU adapter)/);
    const report = JSON.parse(readFileSync(json, 'utf8')) as { refused: string; adapter: { architecture: string } };
    expect(report.refused).toMatch(/runs on the CPU|no WebGPU adapter/);
    if (report.adapter !== null) expect(report.adapter.architecture).toBe('swiftshader');
  });

  it('measures SwiftShader with --allow-software and marks the report software', () => {
    const json = join(workDir, 'software.json');
    const result = runCli(['bench', '--require-gpu', '--allow-software', '--probe-only', '--json', json]);
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8')) as {
      adapter: { software: boolean; features: string[] };
      probe: { readGBps: number };
      results: unknown[];
      skipped: { reason: string }[];
    };
    expect(report.adapter.software).toBe(!onGpuMachine);
    expect(report.probe.readGBps).toBeGreaterThan(0);
    expect(report.results).toEqual([]);
    expect(report.skipped.every((skip) => skip.reason === 'probe only')).toBe(true);
    if (!onGpuMachine) expect(result.stdout).toMatch(/\(software: the timings measure the CPU, not a GPU\)/);
  });

  it('takes --allow-software only with --require-gpu', () => {
    const result = runCli(['bench', '--allow-software']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/--allow-software only goes with --require-gpu/);
  });
});
