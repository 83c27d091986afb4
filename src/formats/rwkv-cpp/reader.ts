/**
 * Streaming reader of rwkv.cpp `.bin` files (layout in ./format.ts, checks in docs/formats.md). The header is read
 * on open; tensors then come one at a time from an async generator, so a loader can upload each as it completes
 * and never holds the whole file (`recordHeads` even leaves each tensor's data to be read in pieces). Every size the file declares is checked against the header's facts and the
 * limits in ./format.ts before any bytes are read for it; anything malformed raises a ModelFormatError.
 */
import { ModelFormatError } from '../../errors.js';
import { ByteStreamReader } from '../byte-stream.js';
import type { ByteSource } from '../byte-stream.js';
import { rowFitsType, tensorByteLength } from '../tensor-data.js';
import {
  RWKV_CPP_HEADER_BYTES,
  RWKV_CPP_LIMITS,
  RWKV_CPP_MAGIC,
  RWKV_CPP_VERSIONS,
  dataTypeFromId,
  maxTensorCount,
  maxTensorElements,
} from './format.js';
import type { RwkvCppHeader, RwkvCppRecord } from './format.js';

/** A record before its data: the data (`byteLength` bytes) follows in the reader. */
export type RwkvCppRecordHead = Omit<RwkvCppRecord, 'data'> & { byteLength: number };

export interface RwkvCppFile {
  header: RwkvCppHeader;
  /**
   * The records' heads, in file order; the caller reads each record's `byteLength` data bytes from the reader it
   * opened the file with before asking for the next head. Iterate once (./stream.ts does, for every loader).
   */
  recordHeads(): AsyncGenerator<RwkvCppRecordHead, void, undefined>;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Reads and checks the header of a `.bin` file; the tensors follow lazily. */
export async function openRwkvCpp(source: ByteSource | ByteStreamReader): Promise<RwkvCppFile> {
  const reader = source instanceof ByteStreamReader ? source : new ByteStreamReader(source);
  const header = await readHeader(reader).catch(async (error: unknown) => {
    await reader.close();
    throw error;
  });
  let opened = false;
  const recordHeads = (): AsyncGenerator<RwkvCppRecordHead, void, undefined> => {
    if (opened) throw new Error('the tensors of an rwkv.cpp file can be iterated only once');
    opened = true;
    return readRecordHeads(reader, header);
  };
  return { header, recordHeads };
}

/**
 * The canonical shape of ggml dims: the dims reversed ([out, in] for matrices) with size-1 dims dropped, except that
 * a record stored with 2 dims keeps both.
 */
export function recordShape(dims: readonly number[]): number[] {
  const reversed = [...dims].reverse();
  const squeezed = reversed.filter((dim) => dim !== 1);
  return reversed.length === 2 ? reversed : squeezed.length > 0 ? squeezed : [1];
}

function int32s(bytes: Uint8Array, count: number): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: count }, (_, i) => view.getInt32(4 * i, true));
}

/**
 * Reads exactly `byteCount` bytes (a fresh copy, or with `view` a view into the source where possible: see
 * ByteStreamReader.readView) or throws a ModelFormatError saying what was cut short and by how much.
 */
export async function readExactly(
  reader: ByteStreamReader,
  byteCount: number,
  what: string,
  view = false,
): Promise<Uint8Array> {
  const known = reader.remainingKnown;
  const skip = known !== undefined && known < byteCount;
  const bytes = skip ? undefined : await (view ? reader.readView(byteCount) : reader.read(byteCount));
  const present = bytes === undefined ? (known ?? 0) : bytes.length;
  if (bytes === undefined || present < byteCount) {
    throw new ModelFormatError(
      `truncated file: ${what} needs ${byteCount} bytes but only ${present} remain (${byteCount - present} missing)`,
    );
  }
  return bytes;
}

function checkHeaderField(field: string, value: number, max: number): void {
  if (value < 1 || value > max) {
    throw new ModelFormatError(`rwkv.cpp file header: ${field} is ${value}, expected 1 to ${max}`);
  }
}

async function readHeader(reader: ByteStreamReader): Promise<RwkvCppHeader> {
  const bytes = await readExactly(reader, RWKV_CPP_HEADER_BYTES, 'the rwkv.cpp file header');
  const [magic, version, nVocab, nEmbed, nLayer, dataTypeId] = int32s(bytes, 6);
  if (magic !== RWKV_CPP_MAGIC) {
    const found = (magic >>> 0).toString(16).padStart(8, '0');
    throw new ModelFormatError(`not an rwkv.cpp model file: magic is 0x${found}, expected 0x67676d66`);
  }
  if (!RWKV_CPP_VERSIONS.includes(version)) {
    throw new ModelFormatError(
      `unsupported rwkv.cpp file version ${version} (supported: ${RWKV_CPP_VERSIONS.join(', ')})`,
    );
  }
  checkHeaderField('n_vocab', nVocab, RWKV_CPP_LIMITS.maxVocab);
  checkHeaderField('n_embed', nEmbed, RWKV_CPP_LIMITS.maxEmbed);
  checkHeaderField('n_layer', nLayer, RWKV_CPP_LIMITS.maxLayer);
  const dataType = dataTypeFromId(dataTypeId, version, 'rwkv.cpp file header');
  return { version, nVocab, nEmbed, nLayer, dataType };
}

function decodeKey(bytes: Uint8Array, where: string): string {
  try {
    return UTF8.decode(bytes);
  } catch (error) {
    throw new ModelFormatError(`${where}: the key is not valid UTF-8`, { cause: error });
  }
}

async function* readRecordHeads(
  reader: ByteStreamReader,
  header: RwkvCppHeader,
): AsyncGenerator<RwkvCppRecordHead, void, undefined> {
  const maxCount = maxTensorCount(header);
  const maxElements = maxTensorElements(header);
  let previous: string | undefined;
  try {
    for (let index = 0; !(await reader.atEnd()); index++) {
      const where = `tensor #${index}` + (previous === undefined ? '' : ` (after '${previous}')`);
      if (index >= maxCount) {
        throw new ModelFormatError(`${where}: more than ${maxCount} tensors, too many for ${header.nLayer} layers`);
      }
      const [dimCount, keyLength, typeId] = int32s(await readExactly(reader, 12, `the header of ${where}`), 3);
      if (dimCount < 1 || dimCount > RWKV_CPP_LIMITS.maxDimCount) {
        throw new ModelFormatError(`${where}: dim_count is ${dimCount}, expected 1 to ${RWKV_CPP_LIMITS.maxDimCount}`);
      }
      if (keyLength < 1 || keyLength > RWKV_CPP_LIMITS.maxKeyBytes) {
        throw new ModelFormatError(
          `${where}: key length is ${keyLength} bytes, expected 1 to ${RWKV_CPP_LIMITS.maxKeyBytes}`,
        );
      }
      const dims = int32s(await readExactly(reader, 4 * dimCount, `the dims of ${where}`), dimCount);
      const name = decodeKey(await readExactly(reader, keyLength, `the key of ${where}`), where);
      const label = `tensor '${name}'`;
      const dataType = dataTypeFromId(typeId, header.version, label);
      if (dims.some((dim) => dim < 1)) {
        throw new ModelFormatError(`${label}: dims [${dims.join(', ')}] must all be positive`);
      }
      const count = dims.reduce((product, dim) => product * dim, 1);
      if (count > maxElements) {
        throw new ModelFormatError(
          `${label}: dims [${dims.join(', ')}] hold more values than any tensor of a model with ` +
            `n_vocab ${header.nVocab} and n_embed ${header.nEmbed} (at most ${maxElements})`,
        );
      }
      if (!rowFitsType(dataType, dims[0])) {
        throw new ModelFormatError(
          `${label}: ${dataType.toUpperCase()} rows must be whole 32-value blocks, but ne0 is ${dims[0]}`,
        );
      }
      yield { name, dims, dataType, byteLength: tensorByteLength(dataType, count) };
      previous = name;
    }
  } finally {
    await reader.close();
  }
}
