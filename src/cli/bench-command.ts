/**
 * `rwkv-webgpu bench`: runs the benchmark (src/bench/run-bench.ts) in headless Chromium on whatever adapter it
 * finds, prints a table and optionally writes the JSON report.
 */
import { writeFile } from 'node:fs/promises';
import { BENCH_MODELS } from '../bench/report.js';
import type { BenchModelName, BenchOptions, BenchReport } from '../bench/report.js';
import { parseFlags, positiveInteger, UsageError } from './args.js';
import { openRunnerPage } from './browser/runner-page.js';

const MODEL_NAMES = BENCH_MODELS.map((shape) => shape.name);

function parseModels(value: string | undefined): BenchModelName[] | undefined {
  if (value === undefined) return undefined;
  const names = value.split(',');
  for (const name of names) {
    if (!MODEL_NAMES.includes(name as BenchModelName)) {
      throw new UsageError(`--models takes a comma-separated list of ${MODEL_NAMES.join(', ')}; '${name}' is none`);
    }
  }
  return names as BenchModelName[];
}

export function formatBenchTable(report: BenchReport): string {
  const { adapter } = report;
  const lines = [
    `adapter: ${adapter.vendor} ${adapter.architecture} ${adapter.description}`.trim(),
    `features: ${adapter.features.join(', ') || 'none'}`,
    `read bandwidth (probe): ${report.probe.readGBps.toFixed(2)} GB/s`,
    '',
    'model     weights  MiB    decode tok/s  decode GB/s  roofline  prefill tok/s  batch-8 tok/s',
  ];
  for (const r of report.results) {
    lines.push(
      [
        r.model.padEnd(9),
        r.weights.padEnd(8),
        (r.weightBytes / 2 ** 20).toFixed(0).padStart(5),
        r.decodeTokensPerSec.toFixed(2).padStart(13),
        r.decodeGBps.toFixed(2).padStart(12),
        `${(r.rooflineRatio * 100).toFixed(0)}%`.padStart(9),
        r.prefillTokensPerSec.toFixed(2).padStart(14),
        r.batch8TokensPerSec.toFixed(2).padStart(14),
      ].join(' '),
    );
  }
  for (const skip of report.skipped) lines.push(`${skip.model}: skipped — ${skip.reason}`);
  return `${lines.join('\n')}\n`;
}

export async function benchCommand(argv: string[]): Promise<void> {
  const flags = parseFlags(argv, {
    json: {},
    models: {},
    'decode-tokens': {},
    'warmup-tokens': {},
    'prefill-tokens': {},
    batch: {},
    seed: {},
  });
  const optional = (name: string) => (flags[name] === undefined ? undefined : positiveInteger(name, flags[name]));
  const options: BenchOptions = {
    models: parseModels(flags.models),
    decodeTokens: optional('decode-tokens'),
    warmupTokens: optional('warmup-tokens'),
    prefillTokens: optional('prefill-tokens'),
    batch: optional('batch'),
    seed: optional('seed'),
  };
  const runner = await openRunnerPage({}, (line) => {
    if (line.startsWith('bench: ')) process.stderr.write(`${line}\n`);
  });
  try {
    const report = await runner.call('bench', options);
    process.stdout.write(formatBenchTable(report));
    if (flags.json !== undefined) await writeFile(flags.json, `${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await runner.close();
  }
}
