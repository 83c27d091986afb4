/**
 * `rwkv-webgpu bench --cpu`: the CPU mode (src/bench/cpu-bench.ts) — the fast CPU backend in this process over a
 * synthetic RWKV-7 0.1B per format (`--formats f16,q8_0,q4_0` by default; also q4_1, and q8 / q4: the f16 file
 * quantized at load) and thread count (`--threads 1,2`), rwkv.cpp's decode tokens/s given as
 * `--rwkv-cpp f16=N,f16@2=N,q8_0=N,…` (format, @threads when not 1), the model files saved for rwkv.cpp with
 * `--save-models DIR`.
 *
 * `rwkv-webgpu bench`: measures constrained decoding on this machine's CPU (src/bench/grammar-bench.ts; `--vocab`
 * names the World vocabulary file, otherwise a synthetic one of the same size stands in), then runs the GPU
 * benchmark (src/bench/run-bench.ts) in headless Chromium on whatever adapter it finds, prints a table and
 * optionally writes the JSON report. `--require-gpu` (`npm run bench:gpu`) runs it on the machine's GPU only and
 * refuses a software adapter (SwiftShader) unless `--allow-software`.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CPU_BENCH_FORMATS,
  formatCpuBenchTable,
  runCpuBench,
  rwkvCppKey,
  type CpuBenchFormat,
  type RwkvCppFigures,
} from '../bench/cpu-bench.js';
import { runGrammarBench } from '../bench/grammar-bench.js';
import type { GrammarBenchResult } from '../bench/grammar-bench.js';
import { BENCH_MODELS, BENCH_WEIGHTS } from '../bench/report.js';
import type { BenchModelName, BenchOptions, BenchReport, BenchWeights } from '../bench/report.js';
import { parseFlags, positiveInteger, UsageError } from './args.js';
import { openRunnerPage, type RunnerPage } from './browser/runner-page.js';
import { isSoftwareAdapter } from '../bench/software-adapter.js';
import { WebGPUUnavailableError } from '../errors.js';

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

const MIB = 2 ** 20;

function parseWeights(value: string | undefined): BenchWeights[] | undefined {
  if (value === undefined) return undefined;
  const formats = value.split(',');
  for (const format of formats) {
    if (!BENCH_WEIGHTS.includes(format as BenchWeights)) {
      throw new UsageError(
        `--weights takes a comma-separated list of ${BENCH_WEIGHTS.join(', ')}; '${format}' is none`,
      );
    }
  }
  return formats as BenchWeights[];
}

export function formatBenchTable(report: BenchReport): string {
  const { adapter } = report;
  const lines = [
    `adapter: ${adapter.vendor} ${adapter.architecture} ${adapter.description}`.trim() +
      (adapter.software ? ' (software: the timings measure the CPU, not a GPU)' : ''),
    `features: ${adapter.features.join(', ') || 'none'}`,
    `read bandwidth (probe): ${report.probe.readGBps.toFixed(2)} GB/s`,
    '',
  ];
  if (report.results.length > 0) {
    lines.push(
      'model     weights  MiB    load s  read MiB/token  decode tok/s  × f16  decode GB/s  roofline  prefill tok/s  batch-8 tok/s',
    );
  }
  for (const r of report.results) {
    const f16 = report.results.find((other) => other.model === r.model && other.weights === 'f16');
    lines.push(
      [
        r.model.padEnd(9),
        r.weights.padEnd(8),
        (r.weightBytes / MIB).toFixed(0).padStart(5),
        r.loadSeconds.toFixed(1).padStart(7),
        (r.bytesReadPerToken / MIB).toFixed(1).padStart(15),
        r.decodeTokensPerSec.toFixed(2).padStart(13),
        (f16 === undefined ? '' : (r.decodeTokensPerSec / f16.decodeTokensPerSec).toFixed(2)).padStart(6),
        r.decodeGBps.toFixed(2).padStart(12),
        `${(r.rooflineRatio * 100).toFixed(0)}%`.padStart(9),
        r.prefillTokensPerSec.toFixed(2).padStart(14),
        r.batch8TokensPerSec.toFixed(2).padStart(14),
      ].join(' '),
    );
  }
  for (const load of report.loads) {
    lines.push(
      `${load.model} ${load.weights}: ${(load.weightBytes / MIB).toFixed(0)} MiB of weights ` +
        `(${(load.weightBytes / 1e9).toFixed(3)} GB), loaded in ${load.loadSeconds.toFixed(1)} s (load only)`,
    );
  }
  if (report.results.length > 0) lines.push('', ...formatCountLines(report));
  for (const skip of report.skipped) {
    lines.push(`${skip.model}${skip.weights === undefined ? '' : ` ${skip.weights}`}: skipped — ${skip.reason}`);
  }
  if (report.grammar !== undefined) lines.push('', ...formatGrammarLines(report.grammar));
  return `${lines.join('\n')}\n`;
}

/** The counts table: per model and regime (decode of 1, of the batch, a 512-token prefill), per token. */
function formatCountLines(report: BenchReport): string[] {
  const lines = [
    'counts per token (exact on any adapter)          dispatches  workgroups min/median  read MiB  minimum MiB  readback B',
  ];
  for (const r of report.results) {
    const { counts } = r;
    const regimes = [
      ['decode, 1 session', counts.decode1],
      [`decode, ${counts.decodeBatch.tokens} sessions`, counts.decodeBatch],
      [`prefill, ${counts.prefill.tokens} tokens`, counts.prefill],
    ] as const;
    for (const [name, regime] of regimes) {
      lines.push(
        [
          `${r.model} ${r.weights} ${name}`.padEnd(48),
          regime.dispatchesPerToken.toFixed(regime.dispatchesPerToken < 10 ? 2 : 0).padStart(10),
          `${regime.workgroupsMin}/${regime.workgroupsMedian}`.padStart(22),
          ((regime.weightBytesReadPerToken + regime.stateBytesReadPerToken) / MIB).toFixed(2).padStart(9),
          (regime.minimumBytesPerToken / MIB).toFixed(2).padStart(12),
          regime.readbackBytesPerToken.toFixed(regime.readbackBytesPerToken < 100 ? 2 : 0).padStart(11),
        ].join(' '),
      );
    }
    lines.push(
      `${r.model} ${r.weights}: ${counts.decodeDispatchesPerLayer} dispatches per layer (decode); ` +
        `WKV serial chain ${counts.wkvSerialStepsPer128} steps per 128-token chunk; greedy decode reads back ` +
        `${counts.readbackBytesPerToken} B (the whole row: ${counts.wholeRowReadbackBytesPerToken} B)`,
    );
  }
  return lines;
}

function formatGrammarLines(grammar: GrammarBenchResult): string[] {
  return [
    `constrained decoding (JSON Schema, ${grammar.vocabulary} vocabulary of 65,536 tokens, this CPU):`,
    `  mask ${grammar.maskMsPerToken.toFixed(3)} ms/token (mean of ${grammar.tokens}; slowest ` +
      `${grammar.maskMsWorst.toFixed(1)} ms), sampler alone ${grammar.samplerMsPerToken.toFixed(2)} ms/token`,
    `  vocabulary built once in ${grammar.vocabularyBuildMs.toFixed(0)} ms; schema compiled in ` +
      `${grammar.compileMs.toFixed(0)} ms the first time (a repeated schema comes from the cache)`,
  ];
}

async function grammarBench(vocabFile: string | undefined): Promise<GrammarBenchResult> {
  process.stderr.write('bench: constrained decoding on the CPU\n');
  const grammar = await runGrammarBench(vocabFile === undefined ? undefined : await readFile(vocabFile, 'utf8'));
  process.stderr.write(`${formatGrammarLines(grammar).join('\n')}\n`);
  return grammar;
}

function benchLog(line: string): void {
  if (line.startsWith('bench: ')) process.stderr.write(`${line}\n`);
}

/**
 * `--require-gpu`: the runner page on Chromium's GPU set-up (Vulkan) only, refusing an adapter that runs on the CPU
 * unless `allowSoftware` (then SwiftShader is tried too, and the report says `software: true`). A refusal is a
 * WebGPUUnavailableError saying why, also written to `json` as `{ refused, adapter }`.
 */
async function openGpuRunner(allowSoftware: boolean, json: string | undefined): Promise<RunnerPage> {
  let runner: RunnerPage | undefined;
  try {
    runner = await openRunnerPage({}, benchLog, allowSoftware ? ['hardware', 'swiftshader'] : ['hardware']);
  } catch (error) {
    if (!(error instanceof WebGPUUnavailableError)) throw error;
  }
  const adapter = runner?.adapter ?? null;
  let refused: string | undefined;
  if (adapter === null) {
    refused = 'Chromium found no WebGPU adapter on this machine with its GPU flags (Vulkan; see docs/runtime.md)';
  } else if (isSoftwareAdapter(adapter) && !allowSoftware) {
    const names = [adapter.vendor, adapter.architecture, adapter.description].filter(Boolean).join(' ');
    refused =
      `the adapter Chromium found (${names}) runs on the CPU, not a GPU: its timings would measure the CPU; ` +
      'pass --allow-software to measure it anyway';
  }
  if (refused === undefined) return runner!;
  await runner?.close();
  if (json !== undefined) await writeFile(json, `${JSON.stringify({ refused, adapter }, null, 2)}\n`);
  throw new WebGPUUnavailableError(`bench --require-gpu: ${refused}.`);
}

export async function benchCommand(argv: string[]): Promise<void> {
  const flags = parseFlags(argv, {
    json: {},
    models: {},
    weights: {},
    'decode-tokens': {},
    'warmup-tokens': {},
    'prefill-tokens': {},
    batch: {},
    seed: {},
    'load-only': { boolean: true },
    'probe-only': { boolean: true },
    'require-gpu': { boolean: true },
    'allow-software': { boolean: true },
    vocab: {},
    cpu: { boolean: true },
    formats: {},
    'rwkv-cpp': {},
    'save-models': {},
    threads: {},
  });
  if (flags.cpu !== undefined) return cpuBenchCommand(flags);
  const optional = (name: string) => (flags[name] === undefined ? undefined : positiveInteger(name, flags[name]));
  const options: BenchOptions = {
    models: parseModels(flags.models),
    weights: parseWeights(flags.weights),
    decodeTokens: optional('decode-tokens'),
    warmupTokens: optional('warmup-tokens'),
    prefillTokens: optional('prefill-tokens'),
    batch: optional('batch'),
    seed: optional('seed'),
    loadOnly: flags['load-only'] !== undefined,
    probeOnly: flags['probe-only'] !== undefined,
  };
  const requireGpu = flags['require-gpu'] !== undefined;
  const allowSoftware = flags['allow-software'] !== undefined;
  if (allowSoftware && !requireGpu) throw new UsageError('--allow-software only goes with --require-gpu');
  const runner = await (requireGpu ? openGpuRunner(allowSoftware, flags.json) : openRunnerPage({}, benchLog));
  try {
    const grammar = options.probeOnly ? undefined : await grammarBench(flags.vocab);
    const report: BenchReport = { ...(await runner.call('bench', options)), ...(grammar && { grammar }) };
    process.stdout.write(formatBenchTable(report));
    if (flags.json !== undefined) await writeFile(flags.json, `${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await runner.close();
  }
}

/** The formats measured when `--formats` is not given. */
const DEFAULT_CPU_FORMATS = 'f16,q8_0,q4_0';

function cpuFormat(name: string, flag: string): CpuBenchFormat {
  if (!CPU_BENCH_FORMATS.includes(name as CpuBenchFormat)) {
    throw new UsageError(`${flag} takes formats among ${CPU_BENCH_FORMATS.join(', ')}; '${name}' is none`);
  }
  return name as CpuBenchFormat;
}

async function cpuBenchCommand(flags: Record<string, string | undefined>): Promise<void> {
  const formats = (flags.formats ?? DEFAULT_CPU_FORMATS).split(',').map((name) => cpuFormat(name, '--formats'));
  const threads = (flags.threads ?? '1').split(',').map((count) => positiveInteger('threads', count));
  const rwkvCppDecode: RwkvCppFigures = {};
  for (const entry of flags['rwkv-cpp']?.split(',') ?? []) {
    const [key, value] = entry.split('=');
    const [name, count = '1'] = key.split('@');
    const tokensPerSec = Number(value);
    if (!(tokensPerSec > 0)) {
      throw new UsageError(`--rwkv-cpp takes format[@threads]=tokens/s pairs; '${entry}' is not one`);
    }
    rwkvCppDecode[rwkvCppKey(cpuFormat(name, '--rwkv-cpp'), positiveInteger('rwkv-cpp', count))] = tokensPerSec;
  }
  const saveDir = flags['save-models'];
  if (saveDir !== undefined) await mkdir(saveDir, { recursive: true });
  const results = await runCpuBench({
    formats,
    threads,
    decodeTokens: flags['decode-tokens'] === undefined ? 64 : positiveInteger('decode-tokens', flags['decode-tokens']),
    prefillTokens:
      flags['prefill-tokens'] === undefined ? 128 : positiveInteger('prefill-tokens', flags['prefill-tokens']),
    rwkvCppDecode,
    onModelFile:
      saveDir === undefined ? undefined : (format, bytes) => writeFile(join(saveDir, `v7-0.1b-${format}.bin`), bytes),
  });
  process.stdout.write(formatCpuBenchTable(results));
  if (flags.json !== undefined) await writeFile(flags.json, `${JSON.stringify({ cpu: results }, null, 2)}\n`);
}
