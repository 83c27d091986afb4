/**
 * The safetensors header: an 8-byte little-endian length N, then N bytes of JSON mapping each tensor name to
 * { dtype, shape, data_offsets: [begin, end] } (offsets relative to the byte after the header), plus an optional
 * `__metadata__` object of strings. Everything is checked before any tensor byte is read: the length is sane and
 * inside the file, every dtype is F32 / F16 / BF16, every byte range holds exactly shape × dtype bytes, lies inside
 * the file and overlaps no other.
 */
import { ModelFormatError } from '../../errors.js';
import { FLOAT_TYPE_BYTES } from '../official-names.js';
import type { FloatType } from '../official-names.js';
import { readRange } from '../random-access.js';
import type { RandomAccessSource } from '../random-access.js';

export interface SafetensorsEntry {
  name: string;
  type: FloatType;
  shape: readonly number[];
  /** Absolute byte offset of the data in the file. */
  offset: number;
  byteLength: number;
}

export interface SafetensorsHeader {
  metadata: Readonly<Record<string, string>>;
  /** In data order. */
  entries: readonly SafetensorsEntry[];
}

/** The safetensors library refuses headers over 100 MB; so do we. */
const MAX_HEADER_BYTES = 100_000_000;
const LENGTH_BYTES = 8;

const DTYPES: Readonly<Record<string, FloatType>> = { F32: 'f32', F16: 'f16', BF16: 'bf16' };

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(UTF8.decode(bytes));
  } catch (error) {
    throw new ModelFormatError('safetensors: the header is not valid UTF-8 JSON', { cause: error });
  }
}

function parseMetadata(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (!isRecord(value) || Object.values(value).some((item) => typeof item !== 'string')) {
    throw new ModelFormatError('safetensors: __metadata__ must map names to strings');
  }
  return value as Record<string, string>;
}

function parseEntry(name: string, value: unknown, dataStart: number, dataLength: number): SafetensorsEntry {
  const where = `safetensors tensor '${name}'`;
  if (!isRecord(value)) throw new ModelFormatError(`${where}: its header entry is not an object`);
  const { dtype, shape, data_offsets: offsets } = value;
  const type = typeof dtype === 'string' && Object.hasOwn(DTYPES, dtype) ? DTYPES[dtype] : undefined;
  if (type === undefined) {
    throw new ModelFormatError(`${where}: dtype ${JSON.stringify(dtype)} is not supported (F32, F16 or BF16)`);
  }
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    throw new ModelFormatError(`${where}: shape must be a list of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || offsets[0] > offsets[1]) {
    throw new ModelFormatError(`${where}: data_offsets must be [begin, end] with 0 ≤ begin ≤ end`);
  }
  const [begin, end] = offsets as [number, number];
  if (end > dataLength) {
    throw new ModelFormatError(`${where}: data_offsets [${begin}, ${end}] go past the ${dataLength} data bytes`);
  }
  const bytesNeeded = shape.reduce((product: number, dim: number) => product * dim, FLOAT_TYPE_BYTES[type]);
  if (end - begin !== bytesNeeded) {
    throw new ModelFormatError(
      `${where}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes, shape [${shape}] of ${dtype} needs ` +
        `${bytesNeeded}`,
    );
  }
  return { name, type, shape, offset: dataStart + begin, byteLength: end - begin };
}

/** Reads and checks the header of a safetensors file. */
export async function readSafetensorsHeader(source: RandomAccessSource): Promise<SafetensorsHeader> {
  const lengthBytes = await readRange(source, 0, LENGTH_BYTES, 'the safetensors header length');
  const declared = new DataView(lengthBytes.buffer, lengthBytes.byteOffset, LENGTH_BYTES).getBigUint64(0, true);
  if (declared < 2n || declared > BigInt(Math.min(MAX_HEADER_BYTES, source.bytes - LENGTH_BYTES))) {
    throw new ModelFormatError(
      `safetensors: header length ${declared} is impossible for a file of ${source.bytes} bytes ` +
        `(at most ${MAX_HEADER_BYTES})`,
    );
  }
  const headerLength = Number(declared);
  const header = parseJson(await readRange(source, LENGTH_BYTES, headerLength, 'the safetensors header'));
  if (!isRecord(header)) throw new ModelFormatError('safetensors: the header is not a JSON object');
  const dataStart = LENGTH_BYTES + headerLength;
  const dataLength = source.bytes - dataStart;
  const entries = Object.entries(header)
    .filter(([name]) => name !== '__metadata__')
    .map(([name, value]) => parseEntry(name, value, dataStart, dataLength))
    .sort((a, b) => a.offset - b.offset);
  entries.forEach((entry, i) => {
    const previous = entries[i - 1];
    if (previous !== undefined && entry.offset < previous.offset + previous.byteLength) {
      throw new ModelFormatError(`safetensors: the data of '${entry.name}' overlaps that of '${previous.name}'`);
    }
  });
  return { metadata: parseMetadata(header.__metadata__), entries };
}
