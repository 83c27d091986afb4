/**
 * Reads and checks the header of a GGUF file from the front of a byte stream (layout in ./format.ts): the metadata
 * and the tensor infos, up to the start of the data. Every count and length is checked against GGUF_LIMITS and
 * every read is exact (a truncated field is a ModelFormatError naming it), so a hostile header can neither allocate
 * much nor loop long. Tensor infos are checked here for what the container alone decides: known and supported
 * ggml type, 1–4 positive dims, whole blocks per row, data aligned, inside the file when its size is known, and no
 * two tensors overlapping.
 */
import { ModelFormatError } from '../../errors.js';
import type { SourceType } from '../../model/spec.js';
import type { ByteStreamReader } from '../byte-stream.js';
import { readExactly } from '../rwkv-cpp/reader.js';
import { blockValues, tensorByteLength } from '../tensor-data.js';
import {
  GGML_TYPES,
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_LIMITS,
  GGUF_MAGIC,
  GGUF_VERSIONS,
  GgufValueType,
  type GgufArray,
  type GgufValue,
} from './format.js';

export interface GgufTensorInfo {
  name: string;
  /** ggml dims, innermost (the row) first. */
  ne: readonly number[];
  type: SourceType;
  /** Byte offset of the data from the start of the data section. */
  offset: number;
  byteLength: number;
}

export interface GgufHeader {
  version: number;
  metadata: ReadonlyMap<string, GgufValue>;
  /** In data order. */
  tensors: readonly GgufTensorInfo[];
  alignment: number;
  /** Absolute offset of the data section (the header and its padding end there). */
  dataStart: number;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Fixed-size values: their byte sizes and readers. */
const SCALARS: Readonly<Partial<Record<GgufValueType, [number, (view: DataView) => GgufValue]>>> = {
  [GgufValueType.UINT8]: [1, (view) => view.getUint8(0)],
  [GgufValueType.INT8]: [1, (view) => view.getInt8(0)],
  [GgufValueType.UINT16]: [2, (view) => view.getUint16(0, true)],
  [GgufValueType.INT16]: [2, (view) => view.getInt16(0, true)],
  [GgufValueType.UINT32]: [4, (view) => view.getUint32(0, true)],
  [GgufValueType.INT32]: [4, (view) => view.getInt32(0, true)],
  [GgufValueType.FLOAT32]: [4, (view) => view.getFloat32(0, true)],
  [GgufValueType.BOOL]: [1, (view) => view.getUint8(0) !== 0],
  [GgufValueType.UINT64]: [8, (view) => view.getBigUint64(0, true)],
  [GgufValueType.INT64]: [8, (view) => view.getBigInt64(0, true)],
  [GgufValueType.FLOAT64]: [8, (view) => view.getFloat64(0, true)],
};

class HeaderReader {
  constructor(private readonly reader: ByteStreamReader) {}

  get position(): number {
    return this.reader.position;
  }

  async bytes(count: number, what: string): Promise<DataView> {
    if (this.reader.position + count > GGUF_LIMITS.headerBytes) {
      throw new ModelFormatError(`GGUF: ${what} would take the header past ${GGUF_LIMITS.headerBytes} bytes`);
    }
    const bytes = await readExactly(this.reader, count, `GGUF: ${what}`);
    return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  async u32(what: string): Promise<number> {
    return (await this.bytes(4, what)).getUint32(0, true);
  }

  /** A u64 count or size, refused above `max` (and above 2^53 in any case). */
  async count(what: string, max: number): Promise<number> {
    const value = (await this.bytes(8, what)).getBigUint64(0, true);
    if (value > BigInt(max)) throw new ModelFormatError(`GGUF: ${what} is ${value}, more than ${max}`);
    return Number(value);
  }

  async string(what: string): Promise<string> {
    const length = await this.count(`the length of ${what}`, GGUF_LIMITS.stringBytes);
    const view = await this.bytes(length, what);
    try {
      return UTF8.decode(view);
    } catch (error) {
      throw new ModelFormatError(`GGUF: ${what} is not valid UTF-8`, { cause: error });
    }
  }

  async value(type: number, what: string, inArray = false): Promise<GgufValue> {
    const scalar = SCALARS[type as GgufValueType];
    if (scalar !== undefined) return scalar[1](await this.bytes(scalar[0], what));
    if (type === GgufValueType.STRING) return this.string(what);
    if (type === GgufValueType.ARRAY && !inArray) {
      const elementType = await this.u32(`the element type of ${what}`);
      const length = await this.count(`the length of ${what}`, GGUF_LIMITS.arrayElements);
      if (elementType === GgufValueType.ARRAY) throw new ModelFormatError(`GGUF: ${what} is an array of arrays`);
      const values: GgufValue[] = [];
      for (let i = 0; i < length; i++) values.push(await this.value(elementType, `${what}[${i}]`, true));
      return { type: elementType, values } satisfies GgufArray;
    }
    throw new ModelFormatError(`GGUF: ${what} has unknown value type ${type}`);
  }
}

/** Reads the header of a GGUF file; the reader is left at the start of the data section. */
export async function readGgufHeader(reader: ByteStreamReader, fileBytes: number | undefined): Promise<GgufHeader> {
  const input = new HeaderReader(reader);
  const start = await input.bytes(8, 'the magic and version');
  if (start.getUint32(0, true) !== GGUF_MAGIC) throw new ModelFormatError('not a GGUF file: the magic is not "GGUF"');
  const version = start.getUint32(4, true);
  if (!GGUF_VERSIONS.includes(version)) {
    throw new ModelFormatError(`unsupported GGUF version ${version} (supported: ${GGUF_VERSIONS.join(', ')})`);
  }
  const tensorCount = await input.count('the tensor count', GGUF_LIMITS.tensors);
  const metadataCount = await input.count('the metadata count', GGUF_LIMITS.metadata);
  const metadata = new Map<string, GgufValue>();
  for (let i = 0; i < metadataCount; i++) {
    const key = await input.string(`metadata key #${i}`);
    if (metadata.has(key)) throw new ModelFormatError(`GGUF: metadata key '${key}' appears twice`);
    metadata.set(key, await input.value(await input.u32(`the type of '${key}'`), `metadata '${key}'`));
  }
  const alignment = readAlignment(metadata);
  const infos: Omit<GgufTensorInfo, 'byteLength'>[] = [];
  for (let i = 0; i < tensorCount; i++) infos.push(await readTensorInfo(input, i));
  const headerEnd = input.position;
  const dataStart = Math.ceil(headerEnd / alignment) * alignment;
  await readExactly(reader, dataStart - headerEnd, 'GGUF: the padding before the tensor data');
  const tensors = checkTensorPlacement(infos, alignment, fileBytes === undefined ? undefined : fileBytes - dataStart);
  return { version, metadata, tensors, alignment, dataStart };
}

function readAlignment(metadata: ReadonlyMap<string, GgufValue>): number {
  const value = metadata.get('general.alignment');
  if (value === undefined) return GGUF_DEFAULT_ALIGNMENT;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 1 << 16 || value & (value - 1)) {
    throw new ModelFormatError(`GGUF: general.alignment is ${String(value)}, expected a power of two up to 65536`);
  }
  return value;
}

async function readTensorInfo(input: HeaderReader, index: number): Promise<Omit<GgufTensorInfo, 'byteLength'>> {
  const name = await input.string(`the name of tensor #${index}`);
  const label = `GGUF tensor '${name}'`;
  const dimCount = await input.u32(`the dim count of tensor '${name}'`);
  if (dimCount < 1 || dimCount > GGUF_LIMITS.dims) {
    throw new ModelFormatError(`${label}: ${dimCount} dims, expected 1 to ${GGUF_LIMITS.dims}`);
  }
  const ne: number[] = [];
  for (let d = 0; d < dimCount; d++) ne.push(await input.count(`dim ${d} of tensor '${name}'`, 2 ** 32));
  const typeId = await input.u32(`the type of tensor '${name}'`);
  const offset = await input.count(`the data offset of tensor '${name}'`, Number.MAX_SAFE_INTEGER);
  const known = GGML_TYPES[typeId];
  if (known === undefined) throw new ModelFormatError(`${label}: unknown ggml type ${typeId}`);
  if (known.source === undefined) {
    throw new ModelFormatError(`${label}: ggml type ${known.name} is not supported (re-quantize to Q8_0, Q6_K … F16)`);
  }
  if (ne.some((dim) => dim < 1)) throw new ModelFormatError(`${label}: dims [${ne.join(', ')}] must all be positive`);
  const count = ne.reduce((product, dim) => product * dim, 1);
  if (!Number.isSafeInteger(count) || count > 2 ** 40) {
    throw new ModelFormatError(`${label}: dims [${ne.join(', ')}] hold too many values`);
  }
  if (ne[0] % blockValues(known.source) !== 0) {
    throw new ModelFormatError(
      `${label}: ${known.name} rows must be whole ${blockValues(known.source)}-value blocks, but ne0 is ${ne[0]}`,
    );
  }
  return { name, ne, type: known.source, offset };
}

/** Checks alignment, bounds and overlaps; returns the tensors in data order with their byte lengths. */
function checkTensorPlacement(
  infos: readonly Omit<GgufTensorInfo, 'byteLength'>[],
  alignment: number,
  dataBytes: number | undefined,
): GgufTensorInfo[] {
  const names = new Set<string>();
  const tensors = infos.map((info) => {
    if (names.has(info.name)) throw new ModelFormatError(`GGUF: tensor '${info.name}' appears twice`);
    names.add(info.name);
    if (info.offset % alignment !== 0) {
      throw new ModelFormatError(
        `GGUF tensor '${info.name}': data offset ${info.offset} is not a multiple of the alignment ${alignment}`,
      );
    }
    const count = info.ne.reduce((product, dim) => product * dim, 1);
    const byteLength = tensorByteLength(info.type, count);
    if (dataBytes !== undefined && info.offset + byteLength > dataBytes) {
      throw new ModelFormatError(
        `truncated or corrupt GGUF file: tensor '${info.name}' needs data bytes ${info.offset}..` +
          `${info.offset + byteLength} but the data section has ${dataBytes}`,
      );
    }
    return { ...info, byteLength };
  });
  tensors.sort((a, b) => a.offset - b.offset);
  tensors.forEach((tensor, i) => {
    const previous = tensors[i - 1];
    if (previous !== undefined && tensor.offset < previous.offset + previous.byteLength) {
      throw new ModelFormatError(`GGUF: the data of tensor '${tensor.name}' overlaps that of '${previous.name}'`);
    }
  });
  return tensors;
}
