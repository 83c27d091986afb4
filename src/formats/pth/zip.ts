/**
 * The zip container of a PyTorch checkpoint, read through random access: the end-of-central-directory record (and
 * its ZIP64 form for files over 4 GiB or 65535 entries) at the end of the file locates the central directory, which
 * lists every entry's name, size and local header offset. Only stored (uncompressed) entries are accepted, as
 * torch.save writes them; an entry's data is then a plain byte range of the file, readable piece by piece.
 *
 * Layout facts (PKWARE APPNOTE 6.3): all integers little-endian; EOCD = sig 0x06054b50, 22 bytes + comment;
 * ZIP64 locator (20 bytes, sig 0x07064b50) just before it points at the ZIP64 EOCD (sig 0x06064b50); central entry
 * = sig 0x02014b50, 46 bytes + name + extra + comment, extra id 0x0001 carries the 64-bit sizes/offset whose 32-bit
 * fields read 0xFFFFFFFF; local header = sig 0x04034b50, 30 bytes + name + extra, then the data.
 */
import { ModelFormatError } from '../../errors.js';
import { readRange } from '../random-access.js';
import type { RandomAccessSource } from '../random-access.js';

export interface ZipEntry {
  name: string;
  /** Data bytes (stored entries: compressed size = uncompressed size). */
  size: number;
  /** Where the entry's local file header starts. */
  localHeaderOffset: number;
}

export interface ZipDirectory {
  /** Entries by name. */
  entries: ReadonlyMap<string, ZipEntry>;
  /** Where the central directory starts: every entry's data must end before it. */
  centralDirectoryOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const EOCD_BYTES = 22;
const MAX_COMMENT_BYTES = 0xffff;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_LOCATOR_BYTES = 20;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const ZIP64_EOCD_BYTES = 56;
const CENTRAL_ENTRY_SIGNATURE = 0x02014b50;
const CENTRAL_ENTRY_BYTES = 46;
const LOCAL_HEADER_SIGNATURE = 0x04034b50;
const LOCAL_HEADER_BYTES = 30;
const ZIP64_EXTRA_ID = 0x0001;
const U32_OVERFLOW = 0xffffffff;
const STORED = 0;
const FLAG_ENCRYPTED = 1;

/** A checkpoint holds a few entries per tensor; these bounds are far above any real model's directory. */
const MAX_ENTRIES = 1 << 20;
const MAX_CENTRAL_DIRECTORY_BYTES = 64 << 20;

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function getU64(data: DataView, offset: number, what: string): number {
  const value = data.getBigUint64(offset, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ModelFormatError(`zip: ${what} ${value} is out of range`);
  return Number(value);
}

function decodeName(bytes: Uint8Array): string {
  try {
    return UTF8.decode(bytes);
  } catch (error) {
    throw new ModelFormatError('zip: an entry name is not valid UTF-8', { cause: error });
  }
}

interface DirectoryLocation {
  entryCount: number;
  size: number;
  offset: number;
}

/** Finds the EOCD record (scanning back over a possible comment) and, when present, its ZIP64 form. */
async function locateCentralDirectory(source: RandomAccessSource): Promise<DirectoryLocation> {
  if (source.bytes < EOCD_BYTES) {
    throw new ModelFormatError(`not a zip archive: ${source.bytes} bytes is too short for an end-of-directory record`);
  }
  const tailLength = Math.min(source.bytes, EOCD_BYTES + MAX_COMMENT_BYTES);
  const tailStart = source.bytes - tailLength;
  const tail = await readRange(source, tailStart, tailLength, 'the end of the zip archive');
  const tailView = view(tail);
  let eocd = -1;
  for (let at = tail.length - EOCD_BYTES; at >= 0; at--) {
    if (
      tailView.getUint32(at, true) === EOCD_SIGNATURE &&
      at + EOCD_BYTES + tailView.getUint16(at + 20, true) === tail.length
    ) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) {
    throw new ModelFormatError('not a zip archive, or a truncated one: no end-of-central-directory record found');
  }
  const eocdOffset = tailStart + eocd;
  if (tailView.getUint16(eocd + 4, true) !== 0 || tailView.getUint16(eocd + 6, true) !== 0) {
    throw new ModelFormatError('zip: multi-disk archives are not supported');
  }
  const location = {
    entryCount: tailView.getUint16(eocd + 10, true),
    size: tailView.getUint32(eocd + 12, true),
    offset: tailView.getUint32(eocd + 16, true),
  };
  if (eocdOffset < ZIP64_LOCATOR_BYTES) return location;
  const locator = view(await readRange(source, eocdOffset - ZIP64_LOCATOR_BYTES, ZIP64_LOCATOR_BYTES, 'zip'));
  if (locator.getUint32(0, true) !== ZIP64_LOCATOR_SIGNATURE) return location;
  const zip64Offset = getU64(locator, 8, 'ZIP64 end-of-directory offset');
  const zip64 = view(await readRange(source, zip64Offset, ZIP64_EOCD_BYTES, 'the ZIP64 end-of-directory record'));
  if (zip64.getUint32(0, true) !== ZIP64_EOCD_SIGNATURE) {
    throw new ModelFormatError('zip: the ZIP64 locator does not point at a ZIP64 end-of-directory record');
  }
  return {
    entryCount: getU64(zip64, 32, 'entry count'),
    size: getU64(zip64, 40, 'central directory size'),
    offset: getU64(zip64, 48, 'central directory offset'),
  };
}

/** The 64-bit values of a ZIP64 extra field, in the order of the 32-bit fields that overflowed. */
function zip64Values(extra: Uint8Array, name: string): number[] {
  const data = view(extra);
  for (let at = 0; at + 4 <= extra.length;) {
    const id = data.getUint16(at, true);
    const length = data.getUint16(at + 2, true);
    if (at + 4 + length > extra.length) break;
    if (id === ZIP64_EXTRA_ID) {
      return Array.from({ length: Math.floor(length / 8) }, (_, i) => getU64(data, at + 4 + 8 * i, `'${name}' size`));
    }
    at += 4 + length;
  }
  return [];
}

/** Reads and checks the central directory: every entry stored, unencrypted, uniquely named, inside the file. */
export async function readZipDirectory(source: RandomAccessSource): Promise<ZipDirectory> {
  const location = await locateCentralDirectory(source);
  if (location.entryCount > MAX_ENTRIES || location.size > MAX_CENTRAL_DIRECTORY_BYTES) {
    throw new ModelFormatError(
      `zip: a central directory of ${location.entryCount} entries in ${location.size} bytes is beyond any checkpoint`,
    );
  }
  const directory = await readRange(source, location.offset, location.size, 'the zip central directory');
  const data = view(directory);
  const entries = new Map<string, ZipEntry>();
  let at = 0;
  for (let index = 0; index < location.entryCount; index++) {
    if (at + CENTRAL_ENTRY_BYTES > directory.length || data.getUint32(at, true) !== CENTRAL_ENTRY_SIGNATURE) {
      throw new ModelFormatError(`zip: central directory entry #${index} is missing or corrupt`);
    }
    const nameLength = data.getUint16(at + 28, true);
    const extraLength = data.getUint16(at + 30, true);
    const commentLength = data.getUint16(at + 32, true);
    const end = at + CENTRAL_ENTRY_BYTES + nameLength + extraLength + commentLength;
    if (end > directory.length) throw new ModelFormatError(`zip: central directory entry #${index} is cut short`);
    const name = decodeName(directory.subarray(at + CENTRAL_ENTRY_BYTES, at + CENTRAL_ENTRY_BYTES + nameLength));
    const extra = directory.subarray(
      at + CENTRAL_ENTRY_BYTES + nameLength,
      at + CENTRAL_ENTRY_BYTES + nameLength + extraLength,
    );
    if ((data.getUint16(at + 8, true) & FLAG_ENCRYPTED) !== 0) {
      throw new ModelFormatError(`zip: entry '${name}' is encrypted`);
    }
    const method = data.getUint16(at + 10, true);
    if (method !== STORED) {
      throw new ModelFormatError(
        `zip: entry '${name}' is compressed (method ${method}); only stored entries are supported, as torch.save ` +
          'writes them — re-save the checkpoint with torch.save instead of re-zipping it',
      );
    }
    const wide = zip64Values(extra, name);
    const field = (offset: number): number => {
      const value = data.getUint32(at + offset, true);
      if (value !== U32_OVERFLOW) return value;
      const widened = wide.shift();
      if (widened === undefined) throw new ModelFormatError(`zip: entry '${name}' lacks its ZIP64 sizes`);
      return widened;
    };
    const size = field(24);
    const compressedSize = field(20);
    const localHeaderOffset = field(42);
    if (compressedSize !== size) {
      throw new ModelFormatError(`zip: stored entry '${name}' has different compressed and uncompressed sizes`);
    }
    if (localHeaderOffset + LOCAL_HEADER_BYTES + size > location.offset) {
      throw new ModelFormatError(`zip: entry '${name}' does not fit before the central directory`);
    }
    if (entries.has(name)) throw new ModelFormatError(`zip: entry '${name}' appears twice`);
    entries.set(name, { name, size, localHeaderOffset });
    at = end;
  }
  return { entries, centralDirectoryOffset: location.offset };
}

/** Where an entry's data starts: after its local header, whose name and extra field lengths are its own. */
export async function zipEntryDataOffset(
  source: RandomAccessSource,
  directory: ZipDirectory,
  entry: ZipEntry,
): Promise<number> {
  const header = await readRange(source, entry.localHeaderOffset, LOCAL_HEADER_BYTES, `the header of '${entry.name}'`);
  const data = view(header);
  if (data.getUint32(0, true) !== LOCAL_HEADER_SIGNATURE) {
    throw new ModelFormatError(`zip: the local header of '${entry.name}' is missing or corrupt`);
  }
  const nameLength = data.getUint16(26, true);
  const extraLength = data.getUint16(28, true);
  const dataOffset = entry.localHeaderOffset + LOCAL_HEADER_BYTES + nameLength + extraLength;
  if (dataOffset + entry.size > directory.centralDirectoryOffset) {
    throw new ModelFormatError(`zip: the data of '${entry.name}' runs into the central directory`);
  }
  const localName = await readRange(source, entry.localHeaderOffset + LOCAL_HEADER_BYTES, nameLength, 'zip');
  if (decodeName(localName) !== entry.name) {
    throw new ModelFormatError(`zip: the local header of '${entry.name}' names another entry`);
  }
  return dataOffset;
}
