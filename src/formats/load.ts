/**
 * Entry point for reading a model file of any supported format. The format is sniffed from the first bytes; each
 * format has one entry in MODEL_FORMATS (how to recognize it, and how to stream it once implemented).
 * `openModelStream` gives the tensors one at a time, in runs of rows (src/formats/tensor-stream.ts), for the GPU
 * loader; `loadCanonicalModel` gathers them into a CanonicalModel.
 */
import { ModelFormatError } from '../errors.js';
import type { CanonicalModel } from '../model/spec.js';
import { ByteStreamReader } from './byte-stream.js';
import type { ByteSource } from './byte-stream.js';
import { checkpointStream } from './checkpoint-stream.js';
import type { LoraAdapter } from './lora-merge.js';
import type { OfficialCheckpoint, StoredTensor } from './official-names.js';
import { listPthTensors, openPth } from './pth/reader.js';
import { randomAccessOf, readRange } from './random-access.js';
import { streamGguf } from './gguf/stream.js';
import type { RandomAccessSource } from './random-access.js';
import { streamRwkvCpp } from './rwkv-cpp/stream.js';
import { listSafetensorsTensors, openSafetensors } from './safetensors/reader.js';
import { isModelFileSet, openModelFileSet } from './sharded/reader.js';
import type { ModelFileSet, ShardFormat } from './sharded/reader.js';
import { collectModel } from './tensor-stream.js';
import type { ModelFileFormat, ModelStream } from './tensor-stream.js';

export type { ModelFileFormat } from './tensor-stream.js';

export interface ModelStreamOptions {
  /** File size, when the source is a stream that knows it (progress). */
  bytes?: number;
  /** Raw bytes per run of rows (DEFAULT_RUN_BYTES). */
  runBytes?: number;
  /** LoRA adapter files to merge into the weights (lora-merge.ts), in order. */
  adapters?: readonly AdapterFile[];
}

/** A LoRA adapter file (RWKV-PEFT's `.pth`, or safetensors) and how to apply it. */
export interface AdapterFile {
  source: RandomAccessSource;
  /** LoRA alpha; default: each pair's rank r. */
  alpha?: number;
  /** How much of its update to add; default 1. */
  weight?: number;
  /** The adapter in messages. */
  label: string;
}

interface ModelFormatEntry {
  format: ModelFileFormat;
  description: string;
  /** Whether a file starting with `head` (up to SNIFF_BYTES bytes) is in this format. */
  matches(head: Uint8Array): boolean;
  /** For formats read front to back: streams the tensors from the reader. */
  open?: (reader: ByteStreamReader, options: ModelStreamOptions) => Promise<ModelStream>;
  /** For formats read by random access: a buffer, or a source with `read(offset, length)` such as a StoredModel. */
  openRandomAccess?: (source: RandomAccessSource, adapters?: readonly LoraAdapter[]) => Promise<OfficialCheckpoint>;
  /** For formats that can be one shard of a model split over several files: its tensors under their stored names. */
  listTensors?: (source: RandomAccessSource) => Promise<StoredTensor[]>;
}

/** Bytes read ahead to recognize a format. */
export const SNIFF_BYTES = 16;

function startsWith(head: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.every((byte, i) => head[i] === byte);
}

const MODEL_FORMATS: readonly ModelFormatEntry[] = [
  {
    format: 'rwkv-cpp',
    description: 'rwkv.cpp .bin (magic 0x67676d66, little-endian)',
    matches: (head) => startsWith(head, [0x66, 0x6d, 0x67, 0x67]),
    open: streamRwkvCpp,
  },
  {
    format: 'gguf',
    description: 'GGUF',
    matches: (head) => startsWith(head, [0x47, 0x47, 0x55, 0x46]),
    open: (reader, options) => streamGguf([reader], { bytes: [options.bytes], runBytes: options.runBytes }),
  },
  {
    format: 'safetensors',
    description: 'safetensors (u64 header length, then a JSON header)',
    matches: (head) => head.length >= 9 && head[6] === 0 && head[7] === 0 && head[8] === 0x7b,
    openRandomAccess: openSafetensors,
    listTensors: listSafetensorsTensors,
  },
  {
    format: 'pytorch-zip',
    description: 'PyTorch .pth (zip archive)',
    matches: (head) => startsWith(head, [0x50, 0x4b, 0x03, 0x04]),
    openRandomAccess: openPth,
    listTensors: listPthTensors,
  },
  {
    format: 'pytorch-pickle',
    description: 'legacy PyTorch .pth (pickle)',
    matches: (head) => head[0] === 0x80 && head[1] !== undefined && head[1] >= 2 && head[1] <= 5,
  },
];

/** The format of a file starting with `head`, or undefined when none matches. */
export function sniffModelFormat(head: Uint8Array): ModelFileFormat | undefined {
  return MODEL_FORMATS.find((entry) => entry.matches(head))?.format;
}

/** The format of one shard of a model split over several files, from its first bytes, and how to list it. */
async function shardFormat(source: RandomAccessSource, what: string): Promise<ShardFormat> {
  const head = await readRange(source, 0, Math.min(SNIFF_BYTES, source.bytes), `the start of ${what}`);
  const entry = MODEL_FORMATS.find((candidate) => candidate.matches(head));
  if (entry?.listTensors === undefined) {
    throw new ModelFormatError(`${what} is not a safetensors file or a PyTorch zip checkpoint`);
  }
  return { format: entry.format, list: entry.listTensors };
}

/** Adapters need official names and the stored values (lora-merge.ts): formats streamed already converted refuse them. */
function noLoraError(description: string): ModelFormatError {
  return new ModelFormatError(
    `LoRA adapters merge into checkpoints in official or Hugging Face names (.pth, safetensors), not into ` +
      `${description} files`,
  );
}

/** Bytes read at a time when a random-access part is read front to back. */
const PART_PIECE_BYTES = 4 << 20;

/** A random-access source as a stream of chunks, from its start. */
async function* frontToBack(source: RandomAccessSource): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < source.bytes; at += PART_PIECE_BYTES) {
    yield await source.read(at, Math.min(PART_PIECE_BYTES, source.bytes - at));
  }
}

const SPLIT_GGUF_NAME = /-(\d{5})-of-\d{5}\.gguf$/;

/**
 * A set whose every file is GGUF: the parts of a split GGUF (gguf-split's `name-00001-of-0000N.gguf` …), ordered
 * by their numbers when every name has one (else as given), each read front to back. Undefined for other sets.
 */
async function openSplitGguf(set: ModelFileSet, options: ModelStreamOptions): Promise<ModelStream | undefined> {
  const heads = await Promise.all(
    set.shards.map(({ source }, i) =>
      readRange(source, 0, Math.min(SNIFF_BYTES, source.bytes), `the start of part ${i + 1}`),
    ),
  );
  if (heads.length === 0 || !heads.every((head) => sniffModelFormat(head) === 'gguf')) return undefined;
  const numbers = set.shards.map((shard) => SPLIT_GGUF_NAME.exec(shard.name ?? '')?.[1]);
  const parts = numbers.every((number) => number !== undefined)
    ? [...set.shards].sort((a, b) => a.name!.localeCompare(b.name!))
    : set.shards;
  const readers = parts.map(({ source }) => new ByteStreamReader(frontToBack(source)));
  return streamGguf(readers, { bytes: parts.map(({ source }) => source.bytes), runBytes: options.runBytes });
}

/**
 * Opens a model file (in memory or streamed as byte chunks), or a model split over several files (a ModelFileSet:
 * shards of a checkpoint, or the parts of a split GGUF),
 * for reading tensor by tensor. Formats whose index is not at the start (.pth, safetensors) need random access: a
 * whole buffer, or a source with `read` and `bytes`.
 */
export async function openModelStream(
  source: ByteSource | ModelFileSet,
  options: ModelStreamOptions = {},
): Promise<ModelStream> {
  const adapters: LoraAdapter[] = [];
  for (const { source: adapter, label, alpha, weight } of options.adapters ?? []) {
    const tensors = await (await shardFormat(adapter, `LoRA adapter ${label}`)).list(adapter);
    adapters.push({ tensors, label, alpha, weight });
  }
  if (isModelFileSet(source)) {
    const gguf = await openSplitGguf(source, options);
    if (gguf === undefined) return openModelFileSet(source, shardFormat, options.runBytes, adapters);
    if (adapters.length > 0) {
      await gguf.close();
      throw noLoraError('GGUF');
    }
    return gguf;
  }
  const reader = new ByteStreamReader(source);
  const head = await reader.peek(SNIFF_BYTES);
  const entry = MODEL_FORMATS.find((candidate) => candidate.matches(head));
  if (entry === undefined) {
    await reader.close();
    const hex = Array.from(head.subarray(0, 8), (byte) => byte.toString(16).padStart(2, '0')).join(' ');
    throw new ModelFormatError(`unrecognized model file format (first bytes: ${hex || 'none, the file is empty'})`);
  }
  if (entry.openRandomAccess !== undefined) {
    await reader.close();
    const randomAccess = randomAccessOf(source);
    if (randomAccess === undefined) {
      throw new ModelFormatError(
        `${entry.description} files are read by random access: give them as a File, a Blob or bytes, from the model ` +
          'store, or as a URL whose server answers Range requests',
      );
    }
    const checkpoint = await entry.openRandomAccess(randomAccess, adapters);
    return checkpointStream(checkpoint, entry.format, randomAccess.bytes, options.runBytes);
  }
  if (entry.open === undefined) {
    await reader.close();
    throw new ModelFormatError(`${entry.description} files are not supported yet`);
  }
  if (adapters.length > 0) {
    await reader.close();
    throw noLoraError(entry.description);
  }
  return entry.open(reader, options);
}

/** Reads a whole model file (in memory or streamed as byte chunks) into canonical tensors and a spec. */
export async function loadCanonicalModel(source: ByteSource): Promise<CanonicalModel> {
  return collectModel(await openModelStream(source));
}
