/**
 * A GGUF file — or the parts of a split one (`name-0000N-of-0000M.gguf`, gguf-split's `split.no` / `split.count`) —
 * as a ModelStream, read front to back like an rwkv.cpp `.bin`: every part's header first (the architecture picks
 * the generation module, whose `gguf` storage maps the names; the whole canonical tensor set is checked before any
 * data is read), then each part's tensors in data order, the large ones in runs of rows straight from the byte
 * stream, so that only one run is in memory at a time. Values go out as stored (f32, f16, bf16, Q-blocks, K-quant
 * super-blocks) except where the file changed them: rescaled v6 weights are decoded to f32 and multiplied back run
 * by run, fused tensors are decoded whole (they are [5 or 6, C]) and cut into their canonical parts.
 */
import { ModelFormatError } from '../../errors.js';
import type { GenerationModule } from '../../generations/generation-module.js';
import { MODULES_NEWEST_FIRST } from '../../generations/registry.js';
import { checkTensorSet } from '../../generations/tensor-set.js';
import type { CheckedTensorSet } from '../../generations/tensor-set.js';
import type { SourceType } from '../../model/spec.js';
import type { ByteStreamReader } from '../byte-stream.js';
import { readExactly } from '../rwkv-cpp/reader.js';
import { decodeTensorData, rowFitsType, tensorByteLength } from '../tensor-data.js';
import { DEFAULT_RUN_BYTES, RunCursor, planRuns, rowCountOf } from '../tensor-stream.js';
import type { ModelStream, RowSpan, StreamedTensor, TensorConsumer } from '../tensor-stream.js';
import type { GgufValue } from './format.js';
import { readGgufHeader } from './header.js';
import type { GgufHeader } from './header.js';
import { planTensors } from './names.js';
import type { PlannedTensor } from './names.js';
import { worldVocabulary } from './vocabulary.js';

export interface GgufStreamOptions {
  /** Size of each part in bytes, when known (progress, bounds). */
  bytes?: readonly (number | undefined)[];
  runBytes?: number;
}

/** llama.cpp architectures that put RWKV blocks into another model: named when refused. */
const HYBRIDS: Readonly<Record<string, string>> = {
  arwkv7: 'an RWKV-7 time-mix grafted onto a Qwen 2.5 model',
  rwkv6qwen2: 'an RWKV-6 time-mix grafted onto a Qwen 2 model',
};

/** Skipped bytes are read in pieces of at most this size. */
const SKIP_PIECE_BYTES = 1 << 20;

function moduleFor(metadata: ReadonlyMap<string, GgufValue>): GenerationModule {
  const architecture = metadata.get('general.architecture');
  if (typeof architecture !== 'string') throw new ModelFormatError('GGUF: general.architecture is missing');
  const module = MODULES_NEWEST_FIRST.find((candidate) => candidate.gguf?.architecture === architecture);
  if (module !== undefined) return module;
  const supported = MODULES_NEWEST_FIRST.flatMap((candidate) => candidate.gguf?.architecture ?? []).join(', ');
  const hybrid = Object.hasOwn(HYBRIDS, architecture) ? ` (${HYBRIDS[architecture]}, not an RWKV model)` : '';
  throw new ModelFormatError(`GGUF architecture '${architecture}'${hybrid} is not supported (${supported})`);
}

function numberOf(value: GgufValue | undefined): number | undefined {
  if (typeof value === 'bigint') return Number(value);
  return typeof value === 'number' ? value : undefined;
}

/** Checks that the parts are exactly parts 0 … n−1 of one split file, in order. */
function checkSplit(headers: readonly GgufHeader[]): void {
  headers.forEach((header, index) => {
    const count = numberOf(header.metadata.get('split.count')) ?? 1;
    const number = numberOf(header.metadata.get('split.no')) ?? 0;
    if (count !== headers.length || number !== index) {
      throw new ModelFormatError(
        headers.length === 1
          ? `this GGUF file is part ${number + 1} of ${count} of a split model: load all ${count} parts, in order`
          : `GGUF part ${index + 1} of ${headers.length} says it is part ${number + 1} of ${count}`,
      );
    }
  });
}

/** Reads and discards `count` bytes in bounded pieces. */
async function skip(reader: ByteStreamReader, count: number, what: string): Promise<void> {
  for (let left = count; left > 0; left -= SKIP_PIECE_BYTES) {
    await readExactly(reader, Math.min(left, SKIP_PIECE_BYTES), what, true);
  }
}

function scaled(values: Float32Array, factor: number): Float32Array {
  if (factor === 1) return values;
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i] * factor;
  return out;
}

function asBytes(values: Float32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

export async function streamGguf(
  readers: readonly ByteStreamReader[],
  options: GgufStreamOptions = {},
): Promise<ModelStream> {
  const closeAll = () => Promise.all(readers.map((reader) => reader.close())).then(() => undefined);
  let headers: GgufHeader[];
  let module: GenerationModule;
  let plans: PlannedTensor[][];
  let checked: CheckedTensorSet;
  let vocabulary: ModelStream['vocabulary'];
  try {
    headers = [];
    for (const [i, reader] of readers.entries()) {
      headers.push(await readGgufHeader(reader, options.bytes?.[i] ?? reader.totalLength));
    }
    checkSplit(headers);
    const metadata = headers[0].metadata;
    module = moduleFor(metadata);
    const storage = module.gguf!;
    const fromMetadata = (key: string) => numberOf(metadata.get(`${storage.architecture}.${key}`));
    const headSize = fromMetadata('wkv.head_size');
    if (headSize === undefined || !Number.isInteger(headSize) || headSize < 1) {
      throw new ModelFormatError(`GGUF: ${storage.architecture}.wkv.head_size is missing or not a positive integer`);
    }
    const found = new Map<string, { shape: readonly number[]; sourceType: SourceType }>();
    plans = headers.map((header) => {
      const planned = planTensors(header.tensors, storage, headSize, fromMetadata);
      for (const [name, tensor] of planned.found) {
        if (found.has(name)) throw new ModelFormatError(`GGUF: two parts hold '${name}'`);
        found.set(name, tensor);
      }
      return planned.plan;
    });
    checked = checkTensorSet(found);
    if (checked.spec.generation !== module.generation) {
      throw new ModelFormatError(
        `GGUF architecture '${storage.architecture}' holds the tensors of a v${checked.spec.generation} model`,
      );
    }
    const tokens = worldVocabulary(metadata);
    vocabulary = tokens && { kind: 'world', tokens };
  } catch (error) {
    await closeAll();
    throw error;
  }
  const runBytes = options.runBytes ?? DEFAULT_RUN_BYTES;
  const sizes = readers.map((reader, i) => options.bytes?.[i] ?? reader.totalLength);
  let consumed = false;

  async function streamPart(
    reader: ByteStreamReader,
    header: GgufHeader,
    plan: readonly PlannedTensor[],
    consume: TensorConsumer,
  ) {
    for (const { info, parts, factor } of plan) {
      const start = header.dataStart + info.offset;
      await skip(reader, start - reader.position, `GGUF: the bytes before tensor '${info.name}'`);
      const what = `the data of GGUF tensor '${info.name}'`;
      const { shape } = parts[0];
      const columns = shape[shape.length - 1];
      if (parts.length === 1 && rowFitsType(info.type, columns)) {
        const rowBytes = tensorByteLength(info.type, columns);
        const read = (span: RowSpan) => readExactly(reader, span.rowCount * rowBytes, what, true);
        const cursor = new RunCursor(
          parts[0].name,
          planRuns(rowCountOf(shape), rowBytes, runBytes),
          factor === 1 ? read : async (span) => asBytes(scaled(decodeTensorData(info.type, await read(span)), factor)),
          async (span) => void (await read(span)),
        );
        const dataType: SourceType = factor === 1 ? info.type : 'f32';
        await consume({ name: parts[0].name, shape, sourceType: info.type, dataType, runs: () => cursor.runs() });
        await cursor.drain();
        continue;
      }
      const values = scaled(decodeTensorData(info.type, await readExactly(reader, info.byteLength, what)), factor);
      const share = values.length / parts.length;
      for (const [i, part] of parts.entries()) {
        const slice = asBytes(values.subarray(i * share, (i + 1) * share));
        const cursor = new RunCursor(
          part.name,
          [{ firstRow: 0, rowCount: rowCountOf(part.shape) }],
          async () => slice,
          async () => undefined,
        );
        const tensor: StreamedTensor = { ...part, sourceType: info.type, dataType: 'f32', runs: () => cursor.runs() };
        await consume(tensor);
      }
    }
  }

  return {
    format: 'gguf',
    weightType: checked.spec.weightType,
    nVocab: checked.spec.nVocab,
    declaredShape: { nEmbed: checked.spec.nEmbed, nLayer: checked.spec.nLayer },
    bytes: sizes.every((size) => size !== undefined) ? sizes.reduce((sum, size) => sum + size, 0) : undefined,
    get bytesRead() {
      return readers.reduce((sum, reader) => sum + reader.position, 0);
    },
    vocabulary,
    async forEachTensor(consume) {
      if (consumed) throw new Error('the tensors of a GGUF file can be iterated only once');
      consumed = true;
      try {
        for (const [i, reader] of readers.entries()) await streamPart(reader, headers[i], plans[i], consume);
      } finally {
        await closeAll();
      }
      return checked;
    },
    close: closeAll,
  };
}
