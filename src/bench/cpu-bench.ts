/**
 * The benchmark's CPU mode (`rwkv-webgpu bench --cpu`): the fast CPU backend (src/backend/wasm-cpu.ts) over a
 * synthetic RWKV-7 0.1B (BENCH_MODELS' v7-0.1b, seeded) written as an rwkv.cpp `.bin` with its matrices in each
 * format asked for, so that rwkv.cpp can run the very same file (`saveModels`) — or, for 'q8' and 'q4', as an f16
 * file that the backend quantizes at load (createEngine's `quantize`: Q8_0; Q4_1 with the head and embedding Q8_0). Per format and thread count it
 * measures decode tokens/s alone (batch 1) and with four sessions (batch 4, tokens of all sessions per second),
 * prefill tokens/s (64-token chunks), and the memory: the backend's (its WebAssembly memory, shared by the threads,
 * plus the small f32 tensors) against the compact size of the weights, and what the worker threads add to the
 * process's resident memory (measured by starting them alone, over an empty memory: each has its own JavaScript
 * heap and instance of the kernels). rwkv.cpp's decode tokens/s,
 * measured by the caller at the same format and thread count, is an input; the report gives the ratio.
 */
import { openWasmCpuBackend, WasmCpuBackend } from '../backend/wasm-cpu.js';
import { openModelStream } from '../formats/load.js';
import { openFastKernels } from '../wasm/threads.js';
import { tensorRecord, writeRwkvCpp } from '../formats/rwkv-cpp/writer.js';
import { syntheticModelSpec, syntheticTensors } from '../generations/synthetic.js';
import { isLinearWeight } from '../generations/weight-class.js';
import { BENCH_MODELS, BENCH_VOCAB } from './report.js';

/** A matrix type of the file, or a load-time quantization of the f16 file. */
export type CpuBenchFormat = 'f16' | 'q8_0' | 'q4_0' | 'q4_1' | 'q8' | 'q4';

/** Every format the bench measures, in the order of its report. */
export const CPU_BENCH_FORMATS: readonly CpuBenchFormat[] = ['f16', 'q8_0', 'q4_0', 'q4_1', 'q8', 'q4'];

type LoadTimeFormat = 'q8' | 'q4';

function isLoadTime(format: CpuBenchFormat): format is LoadTimeFormat {
  return format === 'q8' || format === 'q4';
}

/** The matrix type of a format's model file: f16 for a load-time quantization. */
function fileFormat(format: CpuBenchFormat): Exclude<CpuBenchFormat, LoadTimeFormat> {
  return isLoadTime(format) ? 'f16' : format;
}

/** rwkv.cpp's decode tokens/s by format and thread count (`rwkvCppKey`). */
export type RwkvCppFigures = Partial<Record<string, number>>;

/** The key of rwkv.cpp's figure for a format at a thread count. */
export function rwkvCppKey(format: CpuBenchFormat, threads: number): string {
  return `${format}@${threads}`;
}

export interface CpuBenchOptions {
  formats: CpuBenchFormat[];
  /** Thread counts to measure each format with (a count the environment cannot give runs on fewer: see `threads`). */
  threads: number[];
  decodeTokens: number;
  prefillTokens: number;
  /** rwkv.cpp's decode tokens/s (batch 1) by format and thread count, measured on the same file. */
  rwkvCppDecode: RwkvCppFigures;
  /** Called with each file format's model file, before it is measured (to save it for rwkv.cpp; not for 'q8', 'q4'). */
  onModelFile?(format: CpuBenchFormat, bytes: Uint8Array): Promise<void>;
}

export interface Rate {
  /** Tokens per second of wall-clock time. */
  wall: number;
  /** Tokens per second of the process's CPU time (user + system). */
  cpu: number;
}

export interface CpuBenchResult {
  format: CpuBenchFormat;
  /** Threads the backend ran on. */
  threads: number;
  /** Bytes of the linear weights as stored (the compact size). */
  weightBytes: number;
  /** The backend's memory: its WebAssembly memory plus its f32 vectors, with one session's state. */
  memoryBytes: number;
  /** Resident memory the worker threads add (0 on one thread). */
  threadBytes: number;
  /** Of the chunks of rows the split products had, the fraction the worker threads computed (0 on one thread). */
  workerShare: number;
  decode: Rate;
  /** Four sessions decoding together: tokens of all four per second. */
  batch4: Rate;
  prefill: Rate;
  /** rwkv.cpp's decode tokens/s as given (per CPU-second, to compare with `decode.cpu`). */
  rwkvCppDecodeTokensPerSec?: number;
}

const SHAPE = BENCH_MODELS[0];
const PREFILL_CHUNK = 64;

/** The synthetic v7-0.1b as an rwkv.cpp file with matrices in `format` (every other tensor f32). */
function cpuBenchModelFile(format: Exclude<CpuBenchFormat, LoadTimeFormat>, seed = 1): Uint8Array {
  const options = {
    generation: '7' as const,
    nLayer: SHAPE.nLayer,
    nEmbed: SHAPE.nEmbed,
    headSize: 64,
    nFfn: 4 * SHAPE.nEmbed,
    nVocab: BENCH_VOCAB,
    lora: SHAPE.lora,
    seed,
  };
  const spec = syntheticModelSpec(options);
  const header = { version: 101, nVocab: spec.nVocab, nEmbed: spec.nEmbed, nLayer: spec.nLayer, dataType: format };
  const records = [];
  for (const tensor of syntheticTensors(options)) {
    const record = tensorRecord(tensor, isLinearWeight(tensor.name) ? format : 'f32');
    records.push({ ...record, dims: rwkvCppDims(tensor.name, record.dims) });
  }
  return writeRwkvCpp(header, records);
}

/** rwkv.cpp's converter keeps PyTorch's size-1 dims on v7's per-channel vectors, which its graph broadcasts. */
const PADDED_VECTORS = /\.(att\.(w0|a0|k_k|k_a|v0)|ffn\.x_k)$/;

function rwkvCppDims(name: string, dims: readonly number[]): readonly number[] {
  if (name.endsWith('.att.x_rwkvag')) return [dims[0], 1, dims[1]];
  return PADDED_VECTORS.test(name) ? [dims[0], 1, 1] : dims;
}

/** How much the process's resident memory grows over `run`. */
async function residentGrowth(run: () => Promise<void>): Promise<number> {
  const before = process.memoryUsage().rss;
  await run();
  return Math.max(0, process.memoryUsage().rss - before);
}

/** Tokens per second of wall time, and per second of this process's CPU time (a shared machine's fairer clock). */
async function tokensPerSecond(tokens: number, run: () => Promise<unknown>): Promise<Rate> {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  await run();
  const cpu = process.cpuUsage(cpuStart);
  return { wall: (tokens * 1000) / (performance.now() - start), cpu: (tokens * 1e6) / (cpu.user + cpu.system) };
}

export async function runCpuBench(options: CpuBenchOptions): Promise<CpuBenchResult[]> {
  const results: CpuBenchResult[] = [];
  for (const format of options.formats) {
    const file = cpuBenchModelFile(fileFormat(format));
    if (!isLoadTime(format)) await options.onModelFile?.(format, file);
    for (const threads of options.threads) results.push(await measure(format, file, threads, options));
  }
  return results;
}

async function measure(
  format: CpuBenchFormat,
  file: Uint8Array,
  threads: number,
  options: CpuBenchOptions,
): Promise<CpuBenchResult> {
  const threadBytes = await residentGrowth(async () => (await openFastKernels(threads)).runner.close());
  const quantization = { quantize: isLoadTime(format) ? format : ('none' as const) };
  const backend = await openWasmCpuBackend(await openModelStream(file), 8, threads, quantization);
  if (!(backend instanceof WasmCpuBackend)) throw new Error('the CPU bench model has no fast layer');
  const cpu = backend.description.cpu!;
  const weightBytes = Object.values(cpu.weightFormats).reduce((sum, bytes) => sum + bytes, 0);
  const prompt = Uint32Array.from({ length: options.prefillTokens }, (_, i) => (i * 7919) % BENCH_VOCAB);
  const session = await backend.allocateState();
  const prefill = await tokensPerSecond(prompt.length, async () => {
    for (let at = 0; at < prompt.length; at += PREFILL_CHUNK) {
      await backend.prefill(session, prompt.subarray(at, at + PREFILL_CHUNK));
    }
  });
  const decode = await tokensPerSecond(options.decodeTokens, async () => {
    for (let i = 0; i < options.decodeTokens; i++) await backend.decode([session], Uint32Array.of(i % 256));
  });
  const memoryBytes = backend.memoryBytes;
  const sessions = [session, ...(await Promise.all([1, 2, 3].map(() => backend.allocateState())))];
  const steps = Math.max(1, Math.ceil(options.decodeTokens / 4));
  const batch4 = await tokensPerSecond(steps * 4, async () => {
    for (let i = 0; i < steps; i++) await backend.decode(sessions, Uint32Array.of(1, 2, 3, i % 256));
  });
  const { chunks, byWorkers } = backend.split;
  const threadsUsed = cpu.threads; // read before dispose, which closes a thread pool (then it reads 1)
  backend.dispose();
  return {
    format,
    threads: threadsUsed,
    weightBytes,
    memoryBytes,
    threadBytes,
    workerShare: chunks === 0 ? 0 : byWorkers / chunks,
    decode,
    batch4,
    prefill,
    rwkvCppDecodeTokensPerSec: options.rwkvCppDecode[rwkvCppKey(format, threadsUsed)],
  };
}

export function formatCpuBenchTable(results: readonly CpuBenchResult[]): string {
  const rate = (r: Rate) => `${r.cpu.toFixed(2)} (${r.wall.toFixed(2)})`.padStart(16);
  const lines = [
    'CPU backend (WebAssembly SIMD128), synthetic RWKV-7 0.1B; tok/s per CPU-second (per wall-clock second)',
    'format  threads  workers  weights MiB  memory MiB  ×weights  threads MiB      decode tok/s     batch-4 tok/s     prefill tok/s  rwkv.cpp  ratio',
  ];
  for (const r of results) {
    const reference = r.rwkvCppDecodeTokensPerSec;
    lines.push(
      [
        r.format.padEnd(6),
        String(r.threads).padStart(8),
        (r.threads === 1 ? '—' : `${(r.workerShare * 100).toFixed(0)}%`).padStart(8),
        (r.weightBytes / 2 ** 20).toFixed(0).padStart(12),
        (r.memoryBytes / 2 ** 20).toFixed(0).padStart(11),
        (r.memoryBytes / r.weightBytes).toFixed(2).padStart(9),
        (r.threadBytes / 2 ** 20).toFixed(1).padStart(12),
        rate(r.decode),
        rate(r.batch4),
        rate(r.prefill),
        (reference === undefined ? '—' : reference.toFixed(2)).padStart(9),
        (reference === undefined ? '—' : `${((r.decode.cpu / reference) * 100).toFixed(0)}%`).padStart(6),
      ].join(' '),
    );
  }
  return `${lines.join('\n')}\n`;
}
