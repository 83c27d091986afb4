/**
 * An rwkv.cpp `.bin` file as a ModelStream: the header first (its type decides the GPU weight format), then each
 * record's data read in runs of whole rows straight from the byte stream, so that only one run is in memory at a
 * time. At the end the tensor set is checked and the header's n_vocab / n_embed / n_layer compared with it.
 */
import { ModelFormatError } from '../../errors.js';
import type { ModelSpec } from '../../model/spec.js';
import { checkTensorSet } from '../../generations/tensor-set.js';
import type { CheckedTensorSet } from '../../generations/tensor-set.js';
import { ByteStreamReader } from '../byte-stream.js';
import type { ByteSource } from '../byte-stream.js';
import { tensorByteLength } from '../tensor-data.js';
import { DEFAULT_RUN_BYTES, RunCursor, planRuns, rowCountOf } from '../tensor-stream.js';
import type { ModelStream, RowSpan, TensorConsumer } from '../tensor-stream.js';
import type { RwkvCppHeader } from './format.js';
import { openRwkvCpp, readExactly, recordShape } from './reader.js';

export interface RwkvCppStreamOptions {
  /** File size, when known (progress). */
  bytes?: number;
  /** Raw bytes per run of rows; DEFAULT_RUN_BYTES by default. */
  runBytes?: number;
}

export async function streamRwkvCpp(
  source: ByteSource | ByteStreamReader,
  options: RwkvCppStreamOptions = {},
): Promise<ModelStream> {
  const reader = source instanceof ByteStreamReader ? source : new ByteStreamReader(source);
  const file = await openRwkvCpp(reader);
  const runBytes = options.runBytes ?? DEFAULT_RUN_BYTES;
  let consumed = false;

  async function forEachTensor(consume: TensorConsumer): Promise<CheckedTensorSet> {
    if (consumed) throw new Error('the tensors of an rwkv.cpp file can be iterated only once');
    consumed = true;
    const found = new Map<string, { shape: readonly number[]; sourceType: RwkvCppHeader['dataType'] }>();
    for await (const head of file.recordHeads()) {
      const { name, dims, dataType } = head;
      if (found.has(name)) throw new ModelFormatError(`duplicate tensor '${name}'`);
      const shape = recordShape(dims);
      found.set(name, { shape, sourceType: dataType });
      const rowBytes = tensorByteLength(dataType, shape[shape.length - 1]);
      const runLength = (span: RowSpan) => span.rowCount * rowBytes;
      const cursor = new RunCursor(
        name,
        planRuns(rowCountOf(shape), rowBytes, runBytes),
        (span) => readExactly(reader, runLength(span), `the data of tensor '${name}'`, true),
        async (span) => void (await readExactly(reader, runLength(span), `the data of tensor '${name}'`, true)),
      );
      await consume({ name, shape, sourceType: dataType, dataType, runs: () => cursor.runs() });
      await cursor.drain();
    }
    const checked = checkTensorSet(found);
    checkHeader(file.header, checked.spec);
    return checked;
  }

  return {
    format: 'rwkv-cpp',
    weightType: file.header.dataType,
    nVocab: file.header.nVocab,
    declaredShape: { nEmbed: file.header.nEmbed, nLayer: file.header.nLayer },
    bytes: options.bytes ?? reader.totalLength,
    get bytesRead() {
      return reader.position;
    },
    forEachTensor,
    close: () => reader.close(),
  };
}

function checkHeader(header: RwkvCppHeader, spec: ModelSpec): void {
  const mismatches = (
    [
      ['n_vocab', header.nVocab, spec.nVocab],
      ['n_embed', header.nEmbed, spec.nEmbed],
      ['n_layer', header.nLayer, spec.nLayer],
    ] as const
  ).filter(([, declared, actual]) => declared !== actual);
  if (mismatches.length > 0) {
    const details = mismatches.map(([field, declared, actual]) => `${field} ${declared} but the tensors say ${actual}`);
    throw new ModelFormatError(`rwkv.cpp file header disagrees with its tensors: ${details.join('; ')}`);
  }
}
