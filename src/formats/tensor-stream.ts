/**
 * A model file read tensor by tensor, each tensor's values in runs of whole rows as the file stores them, so that a
 * loader can hand every run to the GPU and drop it: neither the file nor its largest tensors (the embedding and the
 * head) are ever whole in memory. Once every tensor has passed, the set is checked by names and shapes
 * (checkTensorSet), which gives the spec and the canonical shapes. `collectModel` gathers everything instead, for
 * the CPU and for tests.
 */
import type { CanonicalModel, SourceType, Tensor } from '../model/spec.js';
import { assembleCanonicalModel } from '../generations/tensor-set.js';
import type { CheckedTensorSet } from '../generations/tensor-set.js';
import { joinArrays } from './join-arrays.js';
import { decodeTensorData } from './tensor-data.js';

/** The container formats a model file can be in (sniffed from its first bytes by load.ts). */
export type ModelFileFormat = 'rwkv-cpp' | 'gguf' | 'safetensors' | 'pytorch-zip' | 'pytorch-pickle';

/** Raw bytes read per run of rows (at least one row): 8 MiB. */
export const DEFAULT_RUN_BYTES = 8 << 20;

export interface RowSpan {
  firstRow: number;
  rowCount: number;
}

export interface TensorRun extends RowSpan {
  /**
   * The rows' values, little-endian, of the tensor's `dataType`: possibly a view into the reader's buffers, valid
   * until the next run is asked for (copy what must be kept; `tensorValues` does).
   */
  bytes: Uint8Array;
}

export interface StreamedTensor {
  name: string;
  /** The shape as read (size-1 dims may differ from the canonical shape); a row holds its last dim's values. */
  shape: readonly number[];
  /** How the file stores the values. */
  sourceType: SourceType;
  /** The type of the bytes `runs()` yields: `sourceType`, or f32 when the reader transformed the values. */
  dataType: SourceType;
  /** The values in consecutive runs of whole rows; iterate at most once, before the next tensor arrives. */
  runs(): AsyncGenerator<TensorRun, void, undefined>;
}

export interface DeclaredShape {
  nEmbed: number;
  nLayer: number;
}

export type TensorConsumer = (tensor: StreamedTensor) => Promise<void> | void;

/** A tokenizer vocabulary carried inside the model file (GGUF): each id's bytes, none for control and padding ids. */
export interface EmbeddedVocabulary {
  kind: 'world';
  tokens: readonly (Uint8Array | undefined)[];
}

export interface ModelStream {
  format: ModelFileFormat;
  /** The file's dominant weight type, known before any tensor (it decides the GPU weight format). */
  weightType: SourceType;
  /** Vocabulary size, known before any tensor (from the header or index; checked with the tensors). */
  nVocab: number;
  /**
   * Width and depth, when the header or index gives them before any tensor (checked with the tensors): they size
   * the GPU memory estimate's state slots and scratch.
   */
  declaredShape?: DeclaredShape;
  /** File size in bytes, when known. */
  bytes: number | undefined;
  /** The vocabulary the file carries, if any (used when the caller names no tokenizer). */
  vocabulary?: EmbeddedVocabulary;
  /** Bytes of the file read so far, for progress. */
  readonly bytesRead: number;
  /**
   * Hands every tensor to `consume` in file order (runs it leaves unread are skipped), then checks the set.
   * Call once.
   */
  forEachTensor(consume: TensorConsumer): Promise<CheckedTensorSet>;
  /** Releases the source when the tensors will not be read (forEachTensor releases it itself). */
  close(): Promise<void>;
}

/** Row spans of at most `runBytes` bytes (at least one row each) covering `rows` rows of `rowBytes` bytes. */
export function planRuns(rows: number, rowBytes: number, runBytes: number): RowSpan[] {
  const rowsPerRun = Math.max(1, Math.floor(runBytes / Math.max(1, rowBytes)));
  const spans: RowSpan[] = [];
  for (let firstRow = 0; firstRow < rows; firstRow += rowsPerRun) {
    spans.push({ firstRow, rowCount: Math.min(rowsPerRun, rows - firstRow) });
  }
  return spans;
}

/** Rows of a tensor of this shape: one per value of its last dim. */
export function rowCountOf(shape: readonly number[]): number {
  return shape.slice(0, -1).reduce((product, dim) => product * dim, 1);
}

/** A tensor's values as f32, all runs joined, in an array of its own (for small tensors, the CPU, and tests). */
export async function tensorValues(tensor: StreamedTensor): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  for await (const run of tensor.runs()) parts.push(decodeTensorData(tensor.dataType, run.bytes));
  if (parts.length === 1) return parts[0].byteLength === parts[0].buffer.byteLength ? parts[0] : parts[0].slice();
  return joinArrays(parts, Float32Array);
}

/** Every tensor of a stream in memory, as a checked CanonicalModel. */
export async function collectModel(stream: ModelStream): Promise<CanonicalModel> {
  const tensors: Tensor[] = [];
  await stream.forEachTensor(async (tensor) => {
    const { name, shape, sourceType } = tensor;
    tensors.push({ name, shape, sourceType, data: await tensorValues(tensor) });
  });
  return assembleCanonicalModel(tensors);
}

/**
 * The `runs()` of a streamed tensor: refuses a second iteration, and lets the stream finish the runs its consumer
 * left unread (`drain`) so that the next tensor starts where it should.
 */
export class RunCursor {
  private generator: AsyncGenerator<TensorRun, void, undefined> | undefined;
  private readonly spans: RowSpan[];
  private next = 0;

  constructor(
    private readonly name: string,
    spans: readonly RowSpan[],
    private readonly readRun: (span: RowSpan) => Promise<Uint8Array>,
    /** Moves past a span without returning its bytes. */
    private readonly skipRun: (span: RowSpan) => Promise<void>,
  ) {
    this.spans = [...spans];
  }

  runs(): AsyncGenerator<TensorRun, void, undefined> {
    if (this.generator !== undefined) throw new Error(`the runs of tensor '${this.name}' can be iterated only once`);
    this.generator = this.iterate();
    return this.generator;
  }

  /** Moves past every span not read yet. */
  async drain(): Promise<void> {
    while (this.next < this.spans.length) await this.skipRun(this.spans[this.next++]);
  }

  private async *iterate(): AsyncGenerator<TensorRun, void, undefined> {
    while (this.next < this.spans.length) {
      const span = this.spans[this.next];
      const bytes = await this.readRun(span);
      this.next += 1;
      yield { ...span, bytes };
    }
  }
}

/** The same stream, with `observe` called on every run its consumer reads (progress, fingerprints, abort checks). */
export function observeRuns(
  stream: ModelStream,
  observe: (tensor: StreamedTensor, run: TensorRun) => void,
): ModelStream {
  async function* observed(tensor: StreamedTensor): AsyncGenerator<TensorRun, void, undefined> {
    for await (const run of tensor.runs()) {
      observe(tensor, run);
      yield run;
    }
  }
  return {
    format: stream.format,
    weightType: stream.weightType,
    nVocab: stream.nVocab,
    declaredShape: stream.declaredShape,
    bytes: stream.bytes,
    vocabulary: stream.vocabulary,
    get bytesRead() {
      return stream.bytesRead;
    },
    forEachTensor: (consume) => stream.forEachTensor((tensor) => consume({ ...tensor, runs: () => observed(tensor) })),
    close: () => stream.close(),
  };
}
